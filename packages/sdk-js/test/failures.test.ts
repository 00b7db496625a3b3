import { randomUUID } from 'node:crypto';
import { dropSchemas, POSTGRES_URL } from '@chat4all/relay-server/testing';
import postgres from 'postgres';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ConnectionState } from '../src/index.js';
import { API_KEY, client, startRelay, until, userToken } from './relay.js';

describe('failed sends', () => {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('marks a send the relay refuses for good as failed with its code, holds back the ones after it, and lets the app retry or cancel it', async () => {
    const relay = await startRelay({ config: { limits: { textMaxLength: 20 } } });
    cleanup.push(relay.remove, relay.close);
    const token = await userToken(relay.url, 'fay');
    await userToken(relay.url, 'gus');
    const created = await fetch(`${relay.url}/v1/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'private', userId: 'gus', createdBy: 'fay' }),
    });
    const conversationId = ((await created.json()) as { id: string }).id;
    const fay = client(relay.url, token);
    cleanup.push(() => fay.close());
    await fay.connect();
    const view = fay.messages(conversationId);

    const tooLong = await fay.send(conversationId, 'this text is far longer than twenty characters');
    const after = await fay.send(conversationId, 'short one');
    const failed = await until(view, (messages) => messages.some((m) => m.status === 'failed'));
    expect(failed.find((m) => m.id === tooLong.id)).toMatchObject({
      status: 'failed',
      seq: null,
      error: { code: 'TEXT_TOO_LONG', retryable: false },
    });
    // Order holds: the message after the failed one waits.
    expect(failed.find((m) => m.id === after.id)?.status).toBe('pending');

    await fay.retry(tooLong.id);
    await until(view, (messages) => messages.find((m) => m.id === tooLong.id)?.status === 'failed');
    expect(fay.outbox.getSnapshot()).toHaveLength(2);

    await fay.cancel(tooLong.id);
    const sent = await until(view, (messages) => messages.length === 1 && messages[0]?.seq === 1);
    expect(sent[0]).toMatchObject({ id: after.id, text: 'short one', status: 'sent' });
    await until(fay.outbox, (entries) => entries.length === 0);
  });

  it('marks a message failed with INTERNAL after a bounded number of INTERNAL answers, instead of retrying it forever', async () => {
    const schema = `sdk_internal_${randomUUID().slice(0, 8)}`;
    cleanup.push(() => dropSchemas([schema]));
    const relay = await startRelay({ config: { store: { driver: 'postgres', postgres: { url: POSTGRES_URL, schema, poolSize: 2 } } } });
    cleanup.push(relay.remove, relay.close);
    // PostgreSQL refuses this one row every time, as it refused U+0000 before the relay checked text at its edge.
    const sql = postgres(POSTGRES_URL, { max: 1, onnotice: () => {} });
    await sql.unsafe(`ALTER TABLE ${schema}.messages ADD CONSTRAINT refuse_poison CHECK (text <> 'poison')`);
    await sql.end();
    const token = await userToken(relay.url, 'hal');
    const created = await fetch(`${relay.url}/v1/conversations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'group', createdBy: 'hal' }),
    });
    const conversationId = ((await created.json()) as { id: string }).id;
    const hal = client(relay.url, token, { maxInternalErrors: 3 });
    cleanup.push(() => hal.close());
    await hal.connect();
    const view = hal.messages(conversationId);
    const poison = await hal.send(conversationId, 'poison');
    const failed = await until(view, (messages) => messages.some((m) => m.status === 'failed'));
    expect(failed.find((m) => m.id === poison.id)).toMatchObject({ status: 'failed', error: { code: 'INTERNAL', retryable: true } });
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toContain('chat4all_errors_total{code="INTERNAL",transport="ws"} 3');
    // The app can still cancel it, and the conversation goes on.
    await hal.cancel(poison.id);
    await hal.send(conversationId, 'fine');
    await until(view, (messages) => messages.length === 1 && messages[0]?.status === 'sent');
  });

  it('asks a rate-limited resume again on the same socket after retryAfterMs, instead of reconnecting', async () => {
    // 20 a minute: once spent, the next is three seconds away, time enough for the client to be refused once.
    const relay = await startRelay({ config: { limits: { resumesPerMinute: 20 } } });
    cleanup.push(relay.remove, relay.close);
    const token = await userToken(relay.url, 'ivy');
    // Another device of Ivy's spends the whole minute of resumes.
    const other = new WebSocket(`${relay.url.replace('http', 'ws')}/v1/ws?access_token=${token}`);
    cleanup.push(() => other.close());
    await new Promise((resolve) => other.once('message', resolve));
    let limited = false;
    for (let i = 0; !limited; i++) {
      other.send(JSON.stringify({ type: 'resume', id: `r${i}`, cursors: {} }));
      const reply = await new Promise<{ type: string; error?: { code: string } }>((resolve) =>
        other.once('message', (data) => resolve(JSON.parse(String(data)))),
      );
      limited = reply.type === 'error' && reply.error?.code === 'RATE_LIMITED';
    }
    const ivy = client(relay.url, token);
    cleanup.push(() => ivy.close());
    const states: ConnectionState[] = [];
    ivy.connection.subscribe(() => states.push(ivy.connection.getSnapshot()));
    await ivy.connect();
    expect(states).toEqual(['connecting', 'connected']);
    // Refused twice in all: the other device's last try, and the client's first on its one socket.
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toContain('chat4all_rate_limited_total{limit="resume"} 2');
  });
});

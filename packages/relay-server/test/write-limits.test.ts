import { randomUUID } from 'node:crypto';
import type { ServerFrame } from '@chat4all/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, type RunningRelay, sendText, startRelay, tusMetadata } from './fixtures.js';

type Reply = Extract<ServerFrame, { type: 'ack' | 'error' }>;
const outcome = (reply: Reply) => (reply.type === 'ack' ? 'ack' : reply.error.code);
const retryAfterOf = (reply: Reply) =>
  reply.type === 'error' ? (reply.error.details as { retryAfterMs?: number }).retryAfterMs : undefined;

describe('every write is rate-limited per user; the server API key is not', () => {
  let relay: RunningRelay;
  afterEach(() => relay?.close());

  async function setUp(limits: Record<string, number>) {
    relay = await startRelay({ limits });
    const ana = await relay.user();
    const bob = await relay.user();
    const created = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: API_KEY,
      body: { type: 'group', createdBy: ana.id, memberIds: [bob.id] },
    });
    return { ana, bob, conversationId: created.body.id };
  }

  it('edits and deletes, over WebSocket and HTTP', async () => {
    const { ana, conversationId } = await setUp({ editsPerMinute: 3 });
    const socket = await relay.connect(ana.token);
    const ids = [randomUUID(), randomUUID()];
    for (const id of ids) expect(outcome(await sendText(socket, conversationId, 'x', id))).toBe('ack');
    const replies: Reply[] = [];
    for (let i = 0; i < 3; i++)
      replies.push(await socket.request({ type: 'message.edit', conversationId, messageId: ids[0], text: `edit ${i}` }));
    replies.push(await socket.request({ type: 'message.delete', conversationId, messageId: ids[1] }));
    expect(replies.map(outcome)).toEqual(['ack', 'ack', 'ack', 'RATE_LIMITED']);
    expect(retryAfterOf(replies[3] as Reply)).toBeGreaterThan(0);
    const http = await fetch(`${relay.url}/v1/conversations/${conversationId}/messages/${ids[0]}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${ana.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'one more' }),
    });
    expect(http.status).toBe(429);
    expect(Number(http.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // The socket stays usable, and the app's backend is not limited.
    expect(outcome(await socket.request({ type: 'ping' }))).toBe('ack');
    const server = await relay.http('PATCH', `/v1/conversations/${conversationId}/messages/${ids[0]}`, {
      as: API_KEY,
      body: { text: 'ok' },
    });
    expect(server.status).toBe(200);
  });

  it('typing and receipts', async () => {
    const { ana, conversationId } = await setUp({ typingPerMinute: 2, receiptsPerMinute: 2 });
    const socket = await relay.connect(ana.token);
    const typing: Reply[] = [];
    for (let i = 0; i < 3; i++) typing.push(await socket.request({ type: 'typing', conversationId, active: i % 2 === 0 }));
    expect(typing.map(outcome)).toEqual(['ack', 'ack', 'RATE_LIMITED']);
    const receipts: Reply[] = [];
    for (let i = 0; i < 3; i++) receipts.push(await socket.request({ type: 'receipt', conversationId, kind: 'delivered', seq: 0 }));
    expect(receipts.map(outcome)).toEqual(['ack', 'ack', 'RATE_LIMITED']);
    const http = await relay.http('POST', `/v1/conversations/${conversationId}/receipts`, {
      as: ana.token,
      body: { kind: 'read', seq: 0 },
    });
    expect(http).toMatchObject({ status: 429, body: { code: 'RATE_LIMITED' } });
  });

  it('token renewals over the socket', async () => {
    const { ana } = await setUp({ renewalsPerMinute: 2 });
    const socket = await relay.connect(ana.token);
    const renewals: Reply[] = [];
    for (let i = 0; i < 3; i++) renewals.push(await socket.request({ type: 'auth', token: ana.token }));
    expect(renewals.map(outcome)).toEqual(['ack', 'ack', 'RATE_LIMITED']);
    expect(outcome(await socket.request({ type: 'ping' }))).toBe('ack');
  });

  it('resumes: one at a time per socket, and a few per minute per user', async () => {
    const { ana, conversationId } = await setUp({ resumesPerMinute: 3 });
    const socket = await relay.connect(ana.token);
    for (let i = 0; i < 5; i++) expect(outcome(await sendText(socket, conversationId, `m${i}`))).toBe('ack');
    // Two in the same turn: the second is refused while the first replays.
    const frame = { type: 'resume', cursors: { [conversationId]: [0, 0] } };
    const [first, second] = ['r1', 'r2'].map((id) => {
      socket.send({ ...frame, id });
      return socket.reply(id);
    });
    expect(outcome((await first) as Reply)).toBe('ack');
    expect(await second).toMatchObject({ type: 'error', error: { code: 'RATE_LIMITED', details: { retryAfterMs: 1000 } } });
    const more: Reply[] = [];
    for (let i = 0; i < 3; i++) more.push(await socket.request(frame));
    expect(more.map(outcome)).toEqual(['ack', 'ack', 'RATE_LIMITED']);
    expect(outcome(await sendText(socket, conversationId, 'after'))).toBe('ack');
  });

  it('conversations created and changed, members added, and group metadata held to the metadata limit', async () => {
    const { ana, bob, conversationId } = await setUp({ conversationsPerMinute: 2, memberChangesPerMinute: 3, metadataMaxBytes: 100 });
    const others = await Promise.all(Array.from({ length: 4 }, () => relay.user()));
    const tooBig = await relay.http('POST', '/v1/conversations', {
      as: ana.token,
      body: { type: 'group', metadata: { blob: 'x'.repeat(200) } },
    });
    expect(tooBig).toMatchObject({ status: 400, body: { code: 'METADATA_TOO_LARGE' } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++)
      statuses.push((await relay.http('POST', '/v1/conversations', { as: bob.token, body: { type: 'group' } })).status);
    expect(statuses).toEqual([201, 201, 429]);

    const patch = await relay.http('PATCH', `/v1/conversations/${conversationId}`, {
      as: ana.token,
      body: { metadata: { blob: 'y'.repeat(200) } },
    });
    expect(patch).toMatchObject({ status: 400, body: { code: 'METADATA_TOO_LARGE' } });

    const members = (userIds: string[]) =>
      relay.http('POST', `/v1/conversations/${conversationId}/members`, { as: ana.token, body: { userIds } });
    // Each member counts: two, then two more is over a limit of three.
    expect((await members([others[0]?.id as string, others[1]?.id as string])).status).toBe(200);
    expect(await members([others[2]?.id as string, others[3]?.id as string])).toMatchObject({
      status: 429,
      body: { code: 'RATE_LIMITED' },
    });
    const server = await relay.http('POST', `/v1/conversations/${conversationId}/members`, {
      as: API_KEY,
      body: { userIds: [others[2]?.id, others[3]?.id] },
    });
    expect(server.status).toBe(200);
  });

  it('a call with more members than the whole allowance takes all of it, rather than never fitting', async () => {
    const { ana, conversationId } = await setUp({ memberChangesPerMinute: 3 });
    const others = await Promise.all(Array.from({ length: 5 }, () => relay.user()));
    const add = (userIds: string[]) =>
      relay.http('POST', `/v1/conversations/${conversationId}/members`, { as: ana.token, body: { userIds } });
    expect((await add(others.slice(0, 4).map((u) => u.id))).status).toBe(200);
    expect((await add([others[4]?.id as string])).status).toBe(429);
  });

  it('uploads started, open at once, and bytes per day', async () => {
    const { ana, conversationId } = await setUp({ uploadsPerMinute: 3, openUploadsPerUser: 2, uploadBytesPerDay: 1000 });
    const create = (length: number, as = ana.token) =>
      fetch(`${relay.url}/v1/uploads`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${as}`,
          'tus-resumable': '1.0.0',
          'upload-length': String(length),
          'upload-metadata': tusMetadata({ conversationId }),
        },
      });
    const first = await create(400);
    const second = await create(400);
    expect([first.status, second.status]).toEqual([201, 201]);
    // Two started and unfinished: a third waits until one is finished or cancelled.
    const third = await create(10);
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ code: 'RATE_LIMITED', details: { retryAfterMs: expect.any(Number) } });
    const cancelled = await fetch(`${relay.url}${first.headers.get('location')}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${ana.token}`, 'tus-resumable': '1.0.0' },
    });
    expect(cancelled.status).toBe(204);
    // 800 of the day's 1000 bytes are declared: 400 more is over.
    const overBytes = await create(400);
    expect(overBytes.status).toBe(429);
    const form = new FormData();
    form.append('file', new Blob(['x'.repeat(100)], { type: 'text/plain' }), 'a.txt');
    const small = await fetch(`${relay.url}/v1/conversations/${conversationId}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ana.token}` },
      body: form,
    });
    // The fourth start this minute: refused before a byte is stored.
    expect(small.status).toBe(429);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
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
});

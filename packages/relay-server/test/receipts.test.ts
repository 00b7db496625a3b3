import type { ConversationDetail, ConversationPage, MessageReceipts, ReceiptResult } from '@chat4all/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, sendText, startRelay } from './fixtures.js';

describe('receipts and unread counts', () => {
  let relay: RunningRelay;
  afterEach(() => relay?.close());

  it('moves horizons only forward, shows sent → delivered → read to the sender, and keeps unread right across devices', async () => {
    relay = await startRelay();
    const ana = await relay.user();
    const bob = await relay.user();
    const conv = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', { as: ana.token, body: { type: 'private', userId: bob.id } })
    ).body.id;
    const anaSocket = await relay.connect(ana.token);
    const bobPhone = await relay.connect(bob.token);
    const bobLaptop = await relay.connect(bob.token);
    for (let i = 1; i <= 5; i++) await sendText(anaSocket, conv, `m${i}`);
    const unread = async () =>
      (await relay.http<ConversationPage>('GET', '/v1/conversations', { as: bob.token })).body.conversations.find((c) => c.id === conv)
        ?.unreadCount;
    expect(await unread()).toBe(5);

    const delivered = await bobPhone.request({ type: 'receipt', conversationId: conv, kind: 'delivered', seq: 5 });
    expect(delivered).toMatchObject({ type: 'ack', result: { deliveredSeq: 5, readSeq: 0 } });
    await anaSocket.waitFor((f) => f.type === 'receipt' && f.userId === bob.id && f.deliveredSeq === 5 && f.readSeq === 0);
    const status = async (seq: number) =>
      (await relay.http<MessageReceipts>('GET', `/v1/conversations/${conv}/messages/${await idAt(seq)}/receipts`, { as: ana.token })).body;
    const idAt = async (seq: number) =>
      (
        await relay.http<{ messages: Array<{ id: string }> }>('GET', `/v1/conversations/${conv}/messages?after=${seq - 1}&limit=1`, {
          as: ana.token,
        })
      ).body.messages[0]?.id;
    expect(await status(3)).toMatchObject({ recipients: 1, deliveredTo: [bob.id], readBy: [] });

    // Read on the laptop: the phone sees it, the unread count drops at once.
    await bobLaptop.request({ type: 'receipt', conversationId: conv, kind: 'read', seq: 3 });
    await bobPhone.waitFor((f) => f.type === 'receipt' && f.userId === bob.id && f.readSeq === 3);
    expect(await unread()).toBe(2);
    expect(await status(3)).toMatchObject({ readBy: [bob.id] });
    expect(await status(4)).toMatchObject({ deliveredTo: [bob.id], readBy: [] });

    // Backwards and beyond-the-end receipts: horizons hold, and are clamped to the last seq.
    const back = await bobPhone.request({ type: 'receipt', conversationId: conv, kind: 'read', seq: 1 });
    expect(back).toMatchObject({ type: 'ack', result: { deliveredSeq: 5, readSeq: 3 } });
    const rest = await relay.http<ReceiptResult>('POST', `/v1/conversations/${conv}/receipts`, {
      as: bob.token,
      body: { kind: 'read', seq: 999 },
    });
    expect(rest).toMatchObject({ status: 200, body: { deliveredSeq: 5, readSeq: 5 } });
    expect(await unread()).toBe(0);

    // Bob's own messages never count as unread for him.
    await sendText(bobPhone, conv, 'from bob');
    expect(await unread()).toBe(0);
    const anaUnread = (await relay.http<ConversationPage>('GET', '/v1/conversations', { as: ana.token })).body.conversations[0]
      ?.unreadCount;
    expect(anaUnread).toBe(1);

    const receipts = anaSocket.frames.filter((f) => f.type === 'receipt' && f.userId === bob.id);
    const reads = receipts.map((f) => (f.type === 'receipt' ? f.readSeq : -1));
    expect(reads).toEqual([...reads].sort((x, y) => x - y));
  });

  it('counts delivered to n of m and read by n of m in a group, with the member list on request', async () => {
    relay = await startRelay();
    const owner = await relay.user();
    const members = await Promise.all([relay.user(), relay.user(), relay.user()]);
    const conv = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', {
        as: owner.token,
        body: { type: 'group', memberIds: members.map((m) => m.id) },
      })
    ).body.id;
    const ownerSocket = await relay.connect(owner.token);
    const reply = await sendText(ownerSocket, conv, 'hello all');
    const messageId = reply.type === 'ack' && 'messageId' in reply.result ? reply.result.messageId : '';
    const [m1, m2, m3] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]];
    await relay.http('POST', `/v1/conversations/${conv}/receipts`, { as: m1.token, body: { kind: 'read', seq: 1 } });
    await relay.http('POST', `/v1/conversations/${conv}/receipts`, { as: m2.token, body: { kind: 'delivered', seq: 1 } });
    const receipts = await relay.http<MessageReceipts>('GET', `/v1/conversations/${conv}/messages/${messageId}/receipts`, {
      as: owner.token,
    });
    expect(receipts.body).toMatchObject({ seq: 1, recipients: 3 });
    expect(new Set(receipts.body.deliveredTo)).toEqual(new Set([m1.id, m2.id]));
    expect(receipts.body.readBy).toEqual([m1.id]);
    const detail = await relay.http<ConversationDetail>('GET', `/v1/conversations/${conv}`, { as: m3.token });
    expect(detail.body.members.find((m) => m.userId === m1.id)).toMatchObject({ deliveredSeq: 1, readSeq: 1 });
    // A non-member learns nothing.
    const outsider = await relay.user();
    const hidden = await relay.http('POST', `/v1/conversations/${conv}/receipts`, { as: outsider.token, body: { kind: 'read', seq: 1 } });
    expect(hidden).toMatchObject({ status: 404, body: { code: 'CONVERSATION_NOT_FOUND' } });
  });
});

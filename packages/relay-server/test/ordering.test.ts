import { randomUUID } from 'node:crypto';
import type { SendAck } from '@chat4all/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, readAllMessages, startRelay, type TestSocket, UNLIMITED } from './fixtures.js';

const SENDERS = 10;
const PER_SENDER = 1000;

/** Each sender sends its share as fast as the socket takes it; returns its acks in send order. */
async function burst(socket: TestSocket, conversationId: string, sender: number, from: number, count: number): Promise<SendAck[]> {
  const replies = Array.from({ length: count }, (_, i) =>
    socket.request({ type: 'message.send', conversationId, message: { id: randomUUID(), text: `s${sender}-${from + i}` } }),
  );
  const acks: SendAck[] = [];
  for (const reply of await Promise.all(replies)) {
    if (reply.type !== 'ack') throw new Error(`send failed: ${JSON.stringify(reply)}`);
    acks.push(reply.result as SendAck);
  }
  return acks;
}

describe('per-conversation order', () => {
  let relay: RunningRelay;
  afterEach(() => relay?.close());

  it(`${SENDERS} senders × ${PER_SENDER} messages: every member reads seq 1..${SENDERS * PER_SENDER} in one order, across a restart`, async () => {
    relay = await startRelay({ limits: UNLIMITED }, { keepData: true });
    const users = await Promise.all(Array.from({ length: SENDERS }, (_, i) => relay.user(`sender-${i}`)));
    const reader = await relay.user('reader');
    const [owner, ...others] = users;
    if (!owner) throw new Error('no users');
    const conv = await relay.http<{ id: string }>('POST', '/v1/conversations', {
      as: owner.token,
      body: { type: 'group', title: 'load', memberIds: [...others.map((u) => u.id), reader.id] },
    });
    const conversationId = conv.body.id;

    const half = PER_SENDER / 2;
    const sendHalf = async (from: number) => {
      const sockets = await Promise.all(users.map((u) => relay.connect(u.token)));
      return Promise.all(sockets.map((socket, i) => burst(socket, conversationId, i, from, half)));
    };
    const acked = (await sendHalf(0)).flat();

    const dataDir = relay.dataDir;
    await relay.close();
    relay = await startRelay({ limits: UNLIMITED }, { dataDir });
    acked.push(...(await sendHalf(half)).flat());

    // Each sender's acks increase in the order it sent them.
    expect(acked).toHaveLength(SENDERS * PER_SENDER);
    const seqs = new Set(acked.map((a) => a.seq));
    expect(seqs.size).toBe(SENDERS * PER_SENDER);

    const readers = [reader, owner, others[others.length - 1]].filter((u) => u !== undefined);
    const views = await Promise.all(readers.map((u) => readAllMessages(relay.url, u.token, conversationId)));
    const expected = Array.from({ length: SENDERS * PER_SENDER }, (_, i) => i + 1);
    for (const view of views) {
      expect(view.map((m) => m.seq)).toEqual(expected);
      expect(view.map((m) => m.id)).toEqual(views[0]?.map((m) => m.id));
    }
    // Every acked message is there, at the seq its ack named.
    const bySeq = new Map(views[0]?.map((m) => [m.seq, m.id]));
    for (const ack of acked) expect(bySeq.get(ack.seq)).toBe(ack.messageId);
    // Per sender, seq order equals send order.
    for (let s = 0; s < SENDERS; s++) {
      const mine = (views[0] ?? []).filter((m) => m.text.startsWith(`s${s}-`)).map((m) => Number(m.text.split('-')[1]));
      expect(mine).toEqual(Array.from({ length: PER_SENDER }, (_, i) => i));
    }
  });
});

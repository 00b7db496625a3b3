import { randomUUID } from 'node:crypto';
import type { ConversationDetail } from '@chat4all/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { type RunningRelay, sendText, startRelay } from './fixtures.js';
import { Replica } from './replica.js';

/** A small deterministic generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('multi-device', () => {
  let relay: RunningRelay;
  afterEach(() => relay?.close());

  it('three devices of one user converge on the same state after random disconnects', async () => {
    relay = await startRelay();
    const me = await relay.user();
    const friends = await Promise.all([relay.user(), relay.user()]);
    const [a, b] = friends as [(typeof friends)[0], (typeof friends)[0]];
    const dm = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', { as: me.token, body: { type: 'private', userId: a.id } })
    ).body.id;
    const group = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', { as: b.token, body: { type: 'group', memberIds: [me.id, a.id] } })
    ).body.id;
    const devices = [new Replica(relay, me.token), new Replica(relay, me.token), new Replica(relay, me.token)];
    for (const device of devices) await device.connect();
    const sockets = { me: await relay.connect(me.token), a: await relay.connect(a.token), b: await relay.connect(b.token) };
    const next = random(42);
    const mine: Array<{ id: string; conversationId: string }> = [];
    let reconnects = 0;

    for (let step = 0; step < 60; step++) {
      const roll = next();
      const device = devices[Math.floor(next() * devices.length)] as Replica;
      if (roll < 0.15) {
        if (device.socket) device.disconnect();
        else {
          await device.connect();
          reconnects++;
        }
      } else if (roll < 0.6) {
        const [socket, conv] = next() < 0.5 ? [sockets.a, dm] : [sockets.b, group];
        expect((await sendText(socket, conv, `m${step}`)).type).toBe('ack');
      } else if (roll < 0.75) {
        const conversationId = next() < 0.5 ? dm : group;
        const id = randomUUID();
        expect((await sendText(sockets.me, conversationId, `mine ${step}`, id)).type).toBe('ack');
        mine.push({ id, conversationId });
      } else if (roll < 0.85 && mine.length > 0) {
        const { id, conversationId } = mine[Math.floor(next() * mine.length)] as { id: string; conversationId: string };
        const change = next() < 0.7 ? { type: 'message.edit', text: `edited ${step}` } : { type: 'message.delete' };
        const reply = await sockets.me.request({ ...change, conversationId, messageId: id });
        expect(reply.type === 'ack' || (reply.type === 'error' && reply.error.code === 'MESSAGE_DELETED')).toBe(true);
      } else {
        const conv = next() < 0.5 ? dm : group;
        await sockets.me.request({ type: 'receipt', conversationId: conv, kind: 'read', seq: 1 + Math.floor(next() * 10) });
      }
    }
    expect(reconnects).toBeGreaterThan(2);
    for (const device of devices) if (!device.socket) await device.connect();
    // A marker through both conversations: once every device has it, everything before it has arrived.
    const marker = randomUUID();
    await sockets.a.request({ type: 'message.send', conversationId: dm, message: { id: marker, text: 'marker' } });
    const groupMarker = await sendText(sockets.b, group, 'marker');
    const groupSeq = groupMarker.type === 'ack' && 'seq' in groupMarker.result ? groupMarker.result.seq : 0;
    for (const device of devices) {
      await device.socket?.waitFor((f) => f.type === 'message.created' && f.message.id === marker);
      await device.socket?.waitFor((f) => f.type === 'message.created' && f.message.conversationId === group && f.message.seq === groupSeq);
      await device.socket?.request({ type: 'ping' });
    }
    const [first, ...rest] = devices.map((d) => d.snapshot());
    for (const other of rest) expect(other).toEqual(first);
    for (const device of devices) expect(device.duplicates).toBe(0);
  });
});

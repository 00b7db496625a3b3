import { randomUUID } from 'node:crypto';
import type { ConversationDetail, ResumeCursor } from '@chat4all/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { API_KEY, type RunningRelay, sendText, startRelay, UNLIMITED } from './fixtures.js';
import { Replica } from './replica.js';

describe('gap-free resume', () => {
  let relay: RunningRelay;
  afterEach(() => relay?.close());

  const privateConversation = async (a: { token: string }, b: { id: string }) =>
    (await relay.http<ConversationDetail>('POST', '/v1/conversations', { as: a.token, body: { type: 'private', userId: b.id } })).body.id;

  it('replays exactly the 1,000 missed messages in order, then live ones, none twice, including those committed during the replay', async () => {
    relay = await startRelay({ limits: UNLIMITED });
    const reader = await relay.user();
    const writer = await relay.user();
    const conversationId = await privateConversation(writer, reader);
    const replica = new Replica(relay, reader.token);
    await replica.connect();
    const writerSocket = await relay.connect(writer.token);
    for (let i = 1; i <= 5; i++) await sendText(writerSocket, conversationId, `seen ${i}`);
    await replica.socket?.waitFor((f) => f.type === 'message.created' && f.message.seq === 5);
    replica.disconnect();

    const missed = await Promise.all(Array.from({ length: 1000 }, (_, i) => sendText(writerSocket, conversationId, `missed ${i}`)));
    expect(missed.every((r) => r.type === 'ack')).toBe(true);

    // Keep committing while the reader resumes: these land before, during and after the replay.
    let writing = true;
    let written = 0;
    const during = (async () => {
      while (writing || written < 100) {
        await sendText(writerSocket, conversationId, `during ${written++}`);
      }
    })();
    const result = await replica.connect();
    writing = false;
    await during;
    const total = 5 + 1000 + written;
    await replica.socket?.waitFor((f) => f.type === 'message.created' && f.message.seq === total);
    // One more after everything, to be sure the stream is live.
    await sendText(writerSocket, conversationId, 'after');
    await replica.socket?.waitFor((f) => f.type === 'message.created' && f.message.seq === total + 1);

    expect(result.messages).toBeGreaterThanOrEqual(1000);
    expect(replica.duplicates).toBe(0);
    const arrivals = replica.arrivals.get(conversationId) ?? [];
    expect(arrivals).toEqual(Array.from({ length: total + 1 }, (_, i) => i + 1));
    expect(replica.state(conversationId).seq).toBe(total + 1);
  });

  it('replays edits, deletes, receipts, new conversations and removals as current state', async () => {
    relay = await startRelay();
    const me = await relay.user();
    const friend = await relay.user();
    const admin = await relay.user();
    const dm = await privateConversation(me, friend);
    const group = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', { as: admin.token, body: { type: 'group', memberIds: [me.id] } })
    ).body.id;
    const replica = new Replica(relay, me.token);
    await replica.connect();
    const friendSocket = await relay.connect(friend.token);
    const first = randomUUID();
    const second = randomUUID();
    await friendSocket.request({ type: 'message.send', conversationId: dm, message: { id: first, text: 'first' } });
    await friendSocket.request({ type: 'message.send', conversationId: dm, message: { id: second, text: 'second' } });
    await replica.socket?.waitFor((f) => f.type === 'message.created' && f.message.seq === 2);
    replica.disconnect();

    await friendSocket.request({ type: 'message.edit', conversationId: dm, messageId: first, text: 'first, edited' });
    await friendSocket.request({ type: 'message.edit', conversationId: dm, messageId: first, text: 'first, edited twice' });
    await friendSocket.request({ type: 'message.delete', conversationId: dm, messageId: second });
    await friendSocket.request({ type: 'receipt', conversationId: dm, kind: 'read', seq: 2 });
    const third = await relay.user();
    const newConversation = await privateConversation(third, me);
    await relay.http('POST', `/v1/conversations/${newConversation}/messages`, {
      as: third.token,
      body: { id: randomUUID(), text: 'hello stranger' },
    });
    await relay.http('DELETE', `/v1/conversations/${group}/members/${me.id}`, { as: admin.token });

    const result = await replica.connect();
    expect(result).toEqual({ conversations: 3, messages: 1, events: 3 });
    const dmState = replica.state(dm);
    expect(dmState.messages.get(1)).toMatchObject({ text: 'first, edited twice' });
    expect(dmState.messages.get(2)).toMatchObject({ text: '', deletedAt: expect.any(String) });
    expect(dmState.members.get(friend.id)).toMatchObject({ readSeq: 2, deliveredSeq: 2 });
    expect(replica.state(newConversation).messages.get(1)).toMatchObject({ text: 'hello stranger' });
    expect(replica.state(group).members.has(me.id)).toBe(false);
    expect(replica.duplicates).toBe(0);
  });

  it('gives members resuming from the same point the same messages, each as of its own resume: an edit between two reaches the later, a block hides for the blocker only', async () => {
    relay = await startRelay({ limits: UNLIMITED });
    const [sender, other, a, b, c] = await Promise.all([relay.user(), relay.user(), relay.user(), relay.user(), relay.user()]);
    const group = (
      await relay.http<ConversationDetail>('POST', '/v1/conversations', {
        as: sender.token,
        body: { type: 'group', memberIds: [other.id, a.id, b.id, c.id] },
      })
    ).body.id;
    expect((await relay.http('PUT', `/v1/me/blocks/${sender.id}`, { as: c.token })).status).toBe(201);
    const replicas = [a, b, c].map((member) => new Replica(relay, member.token));
    for (const replica of replicas) await replica.connect();
    const senderSocket = await relay.connect(sender.token);
    const otherSocket = await relay.connect(other.token);
    await sendText(otherSocket, group, 'seen');
    for (const replica of replicas) {
      await replica.socket?.waitFor((f) => f.type === 'message.created' && f.message.seq === 1);
      replica.disconnect();
    }
    const one = randomUUID();
    await senderSocket.request({ type: 'message.send', conversationId: group, message: { id: one, text: 'one' } });
    await sendText(otherSocket, group, 'two');
    await sendText(senderSocket, group, 'three');
    const [ra, rb, rc] = replicas as [Replica, Replica, Replica];

    const texts = (replica: Replica) => [...replica.state(group).messages.values()].map((m) => [m.seq, m.text]);
    expect(await ra.connect()).toMatchObject({ messages: 3 });
    expect(texts(ra)).toEqual([
      [1, 'seen'],
      [2, 'one'],
      [3, 'two'],
      [4, 'three'],
    ]);
    await senderSocket.request({ type: 'message.edit', conversationId: group, messageId: one, text: 'one, edited' });
    expect(await rb.connect()).toMatchObject({ messages: 3 });
    expect(await rc.connect()).toMatchObject({ messages: 1 });
    expect(texts(rb)).toEqual([
      [1, 'seen'],
      [2, 'one, edited'],
      [3, 'two'],
      [4, 'three'],
    ]);
    expect(texts(rc)).toEqual([
      [1, 'seen'],
      [3, 'two'],
    ]);
    // The earlier one gets the edit live, as it happened after its resume.
    await ra.socket?.waitFor((f) => f.type === 'message.updated' && f.message.text === 'one, edited');
    expect([ra, rb, rc].map((r) => r.duplicates)).toEqual([0, 0, 0]);
  });

  it('answers a user with 1,000 conversations of which 10 changed in one round trip', async () => {
    relay = await startRelay();
    const me = await relay.user();
    const others = await Promise.all(Array.from({ length: 20 }, () => relay.user()));
    const ids: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const created = await relay.http<ConversationDetail>('POST', '/v1/conversations', {
        as: API_KEY,
        body: { type: 'group', createdBy: others[i % others.length]?.id, memberIds: [me.id] },
      });
      ids.push(created.body.id);
    }
    const cursors: Record<string, ResumeCursor> = Object.fromEntries(ids.map((id) => [id, [0, 0]]));
    const changed = ids.filter((_, i) => i % 100 === 7);
    for (const [i, id] of changed.entries()) {
      await relay.http('POST', `/v1/conversations/${id}/messages`, { as: API_KEY, body: { id: randomUUID(), text: `news ${i}` } });
    }
    const socket = await relay.connect(me.token);
    const frame = JSON.stringify({ type: 'resume', id: 'one', cursors });
    expect(frame.length).toBeGreaterThan(relay.relay.config.limits.frameMaxBytes / 2);
    const reply = await socket.request({ type: 'resume', id: 'one', cursors });
    expect(reply).toMatchObject({ type: 'ack', result: { conversations: 10, messages: 10, events: 0 } });
    const replayed = socket.frames
      .filter((f) => f.type === 'message.created')
      .map((f) => (f.type === 'message.created' ? f.message.conversationId : ''));
    expect(new Set(replayed)).toEqual(new Set(changed));
  });
});

import { api, openWs, token, uuidv7 } from './clients.js';
import { type Crowd, crowd } from './scenarios.js';
import type { BenchServer } from './spawn.js';

/** Sends timed per kind, one at a time, after `warmup` untimed ones of each. */
const WARMUP = 10;

/**
 * A group of `size` members, every one connected and resumed, and a root message. Then, in
 * turn, a plain message to the conversation and a reply in the root's thread, each sent over
 * the sender's socket and timed until the last member has it: the same group, sockets and
 * relay for both, so the difference is what a thread reply costs (its root's summary written
 * in the append's transaction). Latency in ms, sorted.
 */
export async function threadFanout(relay: BenchServer, size: number, sends: number): Promise<{ thread: number[]; plain: number[] }> {
  const members = Array.from({ length: size }, (_, i) => `thread-member-${i}`);
  for (const id of ['thread-sender', ...members]) await api(relay.port, 'PUT', `/v1/users/${id}`, {});
  const urls = await Promise.all(members.map(async (m) => `ws://127.0.0.1:${relay.port}/v1/ws?resume=1&access_token=${await token(m)}`));
  const group: Crowd = await crowd(urls);
  try {
    const live = group.all('"type":"ack"');
    for (const socket of group.sockets) socket.send(JSON.stringify({ type: 'resume', id: 'r', cursors: {} }));
    await live;
    const joined = group.all('"type":"conversation.created"');
    const conv = await api<{ id: string }>(relay.port, 'POST', '/v1/conversations', {
      type: 'group',
      createdBy: 'thread-sender',
      memberIds: members,
    });
    await joined;
    const rootId = uuidv7();
    const rooted = group.all(rootId);
    await api(relay.port, 'POST', `/v1/conversations/${conv.id}/messages`, { id: rootId, text: 'root', senderId: 'thread-sender' });
    await rooted;
    const socket = await openWs(`ws://127.0.0.1:${relay.port}/v1/ws?access_token=${await token('thread-sender')}`);
    const timed = async (marker: string, message: Record<string, unknown>): Promise<number> => {
      const arrived = group.all(`"${marker}"`);
      const started = performance.now();
      socket.send(
        JSON.stringify({ type: 'message.send', id: marker, conversationId: conv.id, message: { id: uuidv7(), text: marker, ...message } }),
      );
      await arrived;
      return performance.now() - started;
    };
    const thread: number[] = [];
    const plain: number[] = [];
    for (let i = -WARMUP; i < sends; i++) {
      const p = await timed(`plain ${i}`, {});
      const t = await timed(`reply ${i}`, { threadId: rootId });
      if (i < 0) continue;
      plain.push(p);
      thread.push(t);
    }
    socket.terminate();
    return { thread: thread.sort((a, b) => a - b), plain: plain.sort((a, b) => a - b) };
  } finally {
    group.close();
  }
}

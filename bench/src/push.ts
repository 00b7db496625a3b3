import type { FakePushService } from '../../packages/relay-server/test/fake-push-service.js';
import { api, openWs, token, uuidv7 } from './clients.js';
import type { BenchServer } from './spawn.js';

/** Sends timed, one at a time, after as many untimed ones of each. */
const WARMUP = 10;

export interface PushFigures {
  /** Per send, in ms: the send → the push service has the offline member's push, decrypted. */
  push: number[];
  /** Per send, in ms: the sender's ack → the push service has the push. */
  fromAck: number[];
  /** Per send, in ms: the send → the online member has its `message.created` (the ordinary fan-out). */
  online: number[];
  /** Pushes the fake service found something wrong with (a push service would refuse them): 0. */
  refused: number;
}

/**
 * A group of three: a sender and an online member on sockets, and an offline member with one
 * Web Push device on a fake push service (in this process) that checks and decrypts every push
 * as a push service would. Each message is sent over the sender's socket, one at a time, and
 * timed until both the online member has it and the push service has the push.
 */
export async function pushLatency(relay: BenchServer, service: FakePushService, sends: number): Promise<PushFigures> {
  for (const id of ['push-sender', 'push-online', 'push-offline']) await api(relay.port, 'PUT', `/v1/users/${id}`, {});
  const registered = await fetch(`http://127.0.0.1:${relay.port}/v1/me/devices`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await token('push-offline')}`, 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'webpush', subscription: service.subscribe() }),
  });
  if (registered.status !== 201) throw new Error(`device registration: ${registered.status} ${await registered.text()}`);
  const conv = await api<{ id: string }>(relay.port, 'POST', '/v1/conversations', {
    type: 'group',
    createdBy: 'push-sender',
    memberIds: ['push-online', 'push-offline'],
  });
  const ws = async (user: string) => openWs(`ws://127.0.0.1:${relay.port}/v1/ws?access_token=${await token(user)}`);
  const [sender, online] = [await ws('push-sender'), await ws('push-online')];
  try {
    const push: number[] = [];
    const fromAck: number[] = [];
    const delivered: number[] = [];
    for (let i = -WARMUP; i < sends; i++) {
      const id = `push-${i}`;
      const messageId = uuidv7();
      const started = performance.now();
      const acked = reply(sender, id);
      const arrived = frameWith(online, messageId);
      const pushed = service.receivedCount(service.received.length + 1).then(() => performance.now());
      sender.send(JSON.stringify({ type: 'message.send', id, conversationId: conv.id, message: { id: messageId, text: `hello ${i}` } }));
      const ackedAt = await acked;
      const [arrivedAt, pushedAt] = await Promise.all([arrived, pushed]);
      if (i < 0) continue;
      push.push(pushedAt - started);
      fromAck.push(pushedAt - ackedAt);
      delivered.push(arrivedAt - started);
    }
    const refused = service.received.filter(
      (p) => p.problems.length > 0 || (p.payload as { type?: string } | null)?.type !== 'message',
    ).length;
    return { push: push.sort((a, b) => a - b), fromAck: fromAck.sort((a, b) => a - b), online: delivered.sort((a, b) => a - b), refused };
  } finally {
    sender.terminate();
    online.terminate();
  }
}

/** When the ack (or error) of request `id` arrives. */
function reply(socket: import('ws').WebSocket, id: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const listener = (data: import('ws').RawData) => {
      const frame = JSON.parse(data.toString()) as { type: string; id?: string };
      if (frame.id !== id) return;
      socket.off('message', listener);
      if (frame.type === 'ack') resolve(performance.now());
      else reject(new Error(data.toString()));
    };
    socket.on('message', listener);
  });
}

/** When a frame naming `text` arrives. */
function frameWith(socket: import('ws').WebSocket, text: string): Promise<number> {
  return new Promise((resolve) => {
    const listener = (data: import('ws').RawData) => {
      if (!data.toString().includes(text)) return;
      socket.off('message', listener);
      resolve(performance.now());
    };
    socket.on('message', listener);
  });
}

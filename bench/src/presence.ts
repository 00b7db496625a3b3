import type WebSocket from 'ws';
import { api, openWs, token } from './clients.js';
import { crowd } from './scenarios.js';
import type { BenchServer } from './spawn.js';

/** Online/offline cycles timed per subject, after as many untimed ones. */
const CYCLES = 100;
/** Connected users who watch the subjects' presence. */
const WATCHERS = 10;
/** Connected users who share conversations with the busy subject but do not watch it. */
const BYSTANDERS = 190;

/** Per cycle, in ms: socket opened → every watcher has `online`; socket closed → every watcher has `offline`. */
export interface Cycles {
  online: number[];
  offline: number[];
}

export interface PresenceFigures {
  /** The user in `conversations` conversations. */
  busy: Cycles;
  /** A user in one conversation with the same watchers. */
  single: Cycles;
  /** Presence frames the bystanders received during the busy subject's cycles. */
  bystanderFrames: number;
}

/**
 * Presence of a user in `conversations` groups (each with 3 of 200 connected co-members, 10 of whom watch the user with
 * `presence.subscribe`), beside a user in one group with the same 10 watchers: the subject connects until all watchers
 * have its `online` (the connect included), then disconnects until all have its `offline` (grace 0), `CYCLES` times.
 */
export async function presenceCycles(relay: BenchServer, conversations: number): Promise<PresenceFigures> {
  const url = async (user: string) => `ws://127.0.0.1:${relay.port}/v1/ws?access_token=${await token(user)}`;
  const watchers = Array.from({ length: WATCHERS }, (_, i) => `presence-watcher-${i}`);
  const bystanders = Array.from({ length: BYSTANDERS }, (_, i) => `presence-bystander-${i}`);
  const others = [...watchers, ...bystanders];
  for (const id of ['presence-busy', 'presence-single', ...others]) await api(relay.port, 'PUT', `/v1/users/${id}`, {});
  for (let start = 0; start < conversations; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, conversations - start) }, (_, k) => {
        const i = start + k;
        const memberIds = [0, 1, 2].map((j) => others[(i * 3 + j) % others.length] as string);
        return api(relay.port, 'POST', '/v1/conversations', { type: 'group', createdBy: 'presence-busy', memberIds });
      }),
    );
  }
  await api(relay.port, 'POST', '/v1/conversations', { type: 'group', createdBy: 'presence-single', memberIds: watchers });
  const watching = await crowd(await Promise.all(watchers.map(url)));
  const standing = await Promise.all(bystanders.map(async (b) => openWs(await url(b))));
  let bystanderFrames = 0;
  for (const socket of standing) {
    socket.on('message', (data) => {
      if (data.toString().startsWith('{"type":"presence"')) bystanderFrames++;
    });
  }
  for (const socket of watching.sockets) {
    await request(socket, { type: 'presence.subscribe', id: 'watch', userIds: ['presence-busy', 'presence-single'] });
  }
  const cycles = async (subject: string) => {
    const subjectUrl = await url(subject);
    const result: Cycles = { online: [], offline: [] };
    for (let i = 0; i < CYCLES * 2; i++) {
      const online = watching.all(marker(subject, 'online'));
      const t0 = performance.now();
      const socket = await openWs(subjectUrl);
      await online;
      const t1 = performance.now();
      const offline = watching.all(marker(subject, 'offline'));
      socket.terminate();
      await offline;
      if (i < CYCLES) continue;
      result.online.push(t1 - t0);
      result.offline.push(performance.now() - t1);
    }
    result.online.sort((a, b) => a - b);
    result.offline.sort((a, b) => a - b);
    return result;
  };
  try {
    const busy = await cycles('presence-busy');
    const seen = bystanderFrames;
    const single = await cycles('presence-single');
    return { busy, single, bystanderFrames: seen };
  } finally {
    watching.close();
    for (const socket of standing) socket.terminate();
  }
}

function request(socket: WebSocket, frame: { type: string; id: string; userIds: string[] }): Promise<void> {
  return new Promise((resolve, reject) => {
    const listener = (data: WebSocket.RawData) => {
      const reply = JSON.parse(data.toString()) as { type: string; id?: string };
      if (reply.id !== frame.id) return;
      socket.off('message', listener);
      if (reply.type === 'ack') resolve();
      else reject(new Error(data.toString()));
    };
    socket.on('message', listener);
    socket.send(JSON.stringify(frame));
  });
}

/** The start of the `presence` event saying `userId` is now `status`. */
function marker(userId: string, status: string): string {
  return `{"type":"presence","userId":"${userId}","status":"${status}"`;
}

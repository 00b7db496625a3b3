import { randomUUID } from 'node:crypto';
import { api, token } from './clients.js';
import type { BenchServer } from './spawn.js';

/** Requests timed per endpoint, one at a time, after as many untimed ones. */
const READS = 200;

/**
 * A reader in `conversations` conversations (3 writers' messages in each, half of them read,
 * a tenth muted, a tenth archived, a tenth marked unread, 5 pinned), then `GET /v1/me/unread`
 * and, as the ceiling, the first page of 100 of `GET /v1/conversations` (what sdk-js summed
 * before the relay counted), each timed `READS` times in turn: latency in ms.
 */
export async function unreadTotals(relay: BenchServer, conversations: number): Promise<{ totals: number[]; page: number[] }> {
  const writers = Array.from({ length: 20 }, (_, i) => `unread-writer-${i}`);
  for (const id of ['unread-reader', ...writers]) await api(relay.port, 'PUT', `/v1/users/${id}`, {});
  const reader = await token('unread-reader');
  const asReader = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`http://127.0.0.1:${relay.port}${path}`, {
      method,
      headers: { authorization: `Bearer ${reader}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  // In batches, so the relay's group commit shares the writes' transactions.
  for (let start = 0; start < conversations; start += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, conversations - start) }, async (_, k) => {
        const i = start + k;
        const writer = writers[i % writers.length] as string;
        const { id } = await api<{ id: string }>(relay.port, 'POST', '/v1/conversations', {
          type: 'group',
          createdBy: writer,
          memberIds: ['unread-reader'],
        });
        for (let m = 0; m < 3; m++)
          await api(relay.port, 'POST', `/v1/conversations/${id}/messages`, { id: randomUUID(), text: `m${m}`, senderId: writer });
        if (i % 2 === 0) await asReader('POST', `/v1/conversations/${id}/receipts`, { kind: 'read', seq: 3 });
        const settings =
          i % 10 === 1
            ? { mutedUntil: '9999-12-31T23:59:59.999Z' }
            : i % 10 === 3
              ? { archived: true }
              : i % 10 === 5
                ? { markedUnread: true }
                : null;
        if (settings) await asReader('PATCH', `/v1/conversations/${id}/settings`, settings);
        if (i < 5) await asReader('PATCH', `/v1/conversations/${id}/settings`, { pinned: true });
      }),
    );
  }
  const time = async (path: string): Promise<number[]> => {
    for (let i = 0; i < READS; i++) await asReader('GET', path);
    const samples: number[] = [];
    for (let i = 0; i < READS; i++) {
      const t0 = performance.now();
      await asReader('GET', path);
      samples.push(performance.now() - t0);
    }
    return samples.sort((a, b) => a - b);
  };
  return { totals: await time('/v1/me/unread'), page: await time('/v1/conversations?limit=100') };
}

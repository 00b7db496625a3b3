import { createClient } from '../../src/index.js';

// The page under test: a client with the default browser outbox (IndexedDB), driven by the test.
const params = new URLSearchParams(location.search);
const client = createClient({
  url: params.get('relay') ?? '',
  token: params.get('token') ?? '',
  // A long backoff, so a page whose relay is unreachable stays unconnected while the test works.
  backoff: { baseMs: 600_000, maxMs: 600_000 },
});
void client.connect().catch(() => {});

function outboxRows(): Promise<number> {
  return new Promise((resolve, reject) => {
    const opening = indexedDB.open('chat4all-outbox');
    opening.onsuccess = () => {
      const count = opening.result.transaction('outbox', 'readonly').objectStore('outbox').count();
      count.onsuccess = () => resolve(count.result);
      count.onerror = () => reject(count.error);
    };
    opening.onerror = () => reject(opening.error);
  });
}

Object.assign(window, {
  chat: {
    state: () => client.connection.getSnapshot(),
    send: (conversationId: string, text: string) => client.send(conversationId, text).then((m) => m.status),
    outbox: () => client.outbox.getSnapshot().length,
    outboxRows,
  },
});

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

/**
 * Resolves once the outbox is empty in memory and on disk. A page just loaded shows an empty outbox before it has read the entries a
 * previous page left, so the memory alone does not say they were sent.
 */
function drained(): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (client.outbox.getSnapshot().length > 0) return;
      outboxRows().then((rows) => {
        if (rows > 0 || client.outbox.getSnapshot().length > 0) return;
        stop();
        resolve();
      }, reject);
    };
    const stop = client.outbox.subscribe(check);
    check();
  });
}

// A file picker that sends what is picked as a file message, in 1 MiB requests.
const picker = document.createElement('input');
picker.type = 'file';
picker.id = 'file';
document.body.append(picker);
picker.addEventListener('change', () => {
  const file = picker.files?.[0];
  if (file) void client.sendFile(params.get('conversation') ?? '', file, { chunkSize: 1024 * 1024 });
});

/** Every progress report of the upload of the file message in the outbox, in this page's life. */
const progressLog: number[] = [];
const watched = new Set<unknown>();
setInterval(() => {
  const entry = client.outbox.getSnapshot().find((e) => e.file);
  const upload = entry && client.uploadOf(entry.id);
  if (!upload || watched.has(upload)) return;
  watched.add(upload);
  upload.progress.subscribe(() => progressLog.push(upload.progress.getSnapshot().bytesSent));
}, 5);

Object.assign(window, {
  chat: {
    fileProgress: () => {
      const entry = client.outbox.getSnapshot().find((e) => e.file);
      const progress = entry && client.uploadOf(entry.id)?.progress.getSnapshot();
      return progress ? progress.bytesSent / progress.bytesTotal : null;
    },
    progressLog: () => progressLog,
    state: () => client.connection.getSnapshot(),
    send: (conversationId: string, text: string) => client.send(conversationId, text).then((m) => m.status),
    outbox: () => client.outbox.getSnapshot().length,
    ids: () => client.outbox.getSnapshot().map((e) => e.id),
    queued: () => client.outbox.getSnapshot().map((e) => (e.change ? `${e.change.type} ${e.change.messageId}` : `send ${e.id}`)),
    edit: (conversationId: string, messageId: string, text: string) => void client.edit(conversationId, messageId, text),
    react: (conversationId: string, messageId: string, key: string) => void client.react(conversationId, messageId, key),
    delete: (conversationId: string, messageId: string) => void client.delete(conversationId, messageId),
    outboxRows,
    drained,
  },
});

import { pipeline as pipe } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { iso } from '../shared/time.js';
import type { ExportRecord, Store } from '../store/types.js';
import type { UploadService } from '../uploads/service.js';

/** Messages per file of an export's `messages/` folder, so an archive of any size is built a page at a time. */
const MESSAGES_PER_FILE = 1000;
/** Rows read per page while exporting. */
const PAGE = 500;

/** Where an export's archive is kept in the upload storage: a key no upload id (32 hex digits) can be. */
export function exportKey(id: string): string {
  return `export-${id}`;
}

export interface ArchiveDeps {
  store: Pick<Store, 'users' | 'privacy'>;
  uploads: Pick<UploadService, 'storage' | 'storeWhole' | 'forgetHash'>;
  /** True once the relay is closing: the build stops and is left to another node. */
  closed: () => boolean;
}

/**
 * The archive, written as it is read: `profile.json`, `memberships.jsonl`, the messages the
 * user sent in `messages/NNNNNN.jsonl` (tombstones included, so they see what was deleted),
 * `files.jsonl` and each complete file's bytes in `files/<uploadId>/<name>`; gzip'd tar.
 */
export async function writeArchive(record: ExportRecord, { store, uploads, closed }: ArchiveDeps): Promise<number> {
  const key = exportKey(record.id);
  // A build a dead node left behind is started again from nothing.
  await uploads.storage.remove(key);
  const pack = tar.pack();
  const gzip = createGzip();
  pipe(pack, gzip, () => {});
  const storing = uploads.storeWhole(key, gzip);
  // Awaited at the end; handled now, so storage failing while entries are written is not an unhandled
  // rejection, and stops the writing (which would otherwise wait on a stream nobody reads).
  storing.catch((error: unknown) => pack.destroy(error as Error));
  const put = (name: string, text: string) =>
    new Promise<void>((resolve, reject) => pack.entry({ name }, text, (error) => (error ? reject(error) : resolve())));
  try {
    const user = await store.users.get(record.userId);
    await put('profile.json', `${JSON.stringify({ user, exportId: record.id, exportedAt: iso(Date.now()) }, null, 2)}\n`);
    const memberships = await store.privacy.memberships(record.userId);
    await put('memberships.jsonl', lines(memberships.map((m) => ({ ...m, joinedAt: iso(m.joinedAt) }))));
    let after: string | null = null;
    let file = 0;
    let page: unknown[] = [];
    for (;;) {
      const messages = await store.privacy.messagesBySender(record.userId, after, PAGE);
      page.push(...messages);
      if (page.length >= MESSAGES_PER_FILE || (messages.length < PAGE && page.length > 0)) {
        file += 1;
        await put(`messages/${String(file).padStart(6, '0')}.jsonl`, lines(page));
        page = [];
      }
      if (messages.length < PAGE) break;
      if (closed()) throw new Error('the relay is closing');
      after = messages[messages.length - 1]?.id ?? null;
    }
    const files: unknown[] = [];
    const complete = [];
    after = null;
    for (;;) {
      const owned = await store.privacy.uploadsByOwner(record.userId, after, PAGE);
      for (const upload of owned) {
        const path = upload.complete ? `files/${upload.id}/${archiveName(upload.name)}` : null;
        files.push({
          id: upload.id,
          conversationId: upload.conversationId,
          messageId: upload.messageId,
          name: upload.name,
          type: upload.type,
          size: upload.size,
          sha256: upload.sha256,
          createdAt: iso(upload.createdAt),
          path,
        });
        if (path) complete.push({ id: upload.id, size: upload.size, path });
      }
      if (owned.length < PAGE) break;
      after = owned[owned.length - 1]?.id ?? null;
    }
    await put('files.jsonl', lines(files));
    for (const { id, size, path } of complete) {
      if (closed()) throw new Error('the relay is closing');
      const entry = pack.entry({ name: path, size });
      await pipeline(await uploads.storage.read(id), entry);
    }
    pack.finalize();
  } catch (error) {
    pack.destroy(error as Error);
    await storing.catch(() => {});
    throw error;
  }
  const size = await storing;
  uploads.forgetHash(key);
  return size;
}

/** A file name safe as the last part of a path in an archive: no folders, no `..`, no control characters. */
function archiveName(name: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point.
  const flat = name.replace(/[/\\\u0000-\u001f\u007f]/g, '_');
  return flat === '' || flat === '.' || flat === '..' ? 'file' : flat;
}

function lines(rows: readonly unknown[]): string {
  return rows.map((row) => `${JSON.stringify(row)}\n`).join('');
}

import { createReadStream, mkdirSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import type { DataStore } from '@tus/utils';

/** Where upload bytes live: the tus datastore that receives them, and reads for downloads and checksums. */
export interface UploadStorage {
  readonly datastore: DataStore;
  /** The stored bytes, or the inclusive range `start..end` of them. */
  read(id: string, range?: { start: number; end: number }): Promise<Readable>;
  /** Removes the upload's bytes and its thumbnail. */
  remove(id: string): Promise<void>;
  /** Keeps an upload's thumbnail beside its bytes. */
  writeThumbnail(id: string, bytes: Buffer): Promise<void>;
  /** The thumbnail kept beside an upload's bytes. */
  readThumbnail(id: string): Promise<Readable>;
}

/** Where an upload's thumbnail is kept beside its bytes: a name no upload id (32 hex digits) or tus file can have. */
export function thumbnailKey(id: string): string {
  return `${id}.thumbnail.webp`;
}

/**
 * `@tus/file-store` checks its directory from its constructor, asynchronously, and throws from
 * the callback when that fails: out of the process, long after the start (a directory removed
 * meanwhile). The directory is made before the store here, so that check is not run.
 */
class MadeDirectoryFileStore extends FileStore {}
Object.defineProperty(MadeDirectoryFileStore.prototype, 'checkOrCreateDirectory', { value: () => {} });

/** Local files under one directory (`@tus/file-store`): the embedded default. */
export class FileUploadStorage implements UploadStorage {
  readonly datastore: FileStore;

  constructor(
    private readonly directory: string,
    expirationPeriodInMilliseconds: number,
  ) {
    // Made here, synchronously, so a directory that cannot be made fails the start with its error.
    mkdirSync(directory, { recursive: true });
    this.datastore = new MadeDirectoryFileStore({ directory, expirationPeriodInMilliseconds });
  }

  async read(id: string, range?: { start: number; end: number }): Promise<Readable> {
    return createReadStream(join(this.directory, id), range);
  }

  async remove(id: string): Promise<void> {
    await this.datastore.remove(id).catch((error: unknown) => {
      // Already gone is what removal wants.
      if ((error as { status_code?: number }).status_code !== 404) throw error;
    });
    await rm(join(this.directory, thumbnailKey(id)), { force: true });
  }

  async writeThumbnail(id: string, bytes: Buffer): Promise<void> {
    await writeFile(join(this.directory, thumbnailKey(id)), bytes);
  }

  async readThumbnail(id: string): Promise<Readable> {
    const stream = createReadStream(join(this.directory, thumbnailKey(id)));
    // Opened before it is handed on, so a missing file is an error here rather than in the reply.
    await new Promise<void>((resolve, reject) => stream.once('open', () => resolve()).once('error', reject));
    return stream;
  }
}

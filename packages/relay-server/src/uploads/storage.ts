import { createReadStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { FileStore } from '@tus/file-store';
import type { DataStore } from '@tus/utils';

/** Where upload bytes live: the tus datastore that receives them, and reads for downloads and checksums. */
export interface UploadStorage {
  readonly datastore: DataStore;
  /** The stored bytes, or the inclusive range `start..end` of them. */
  read(id: string, range?: { start: number; end: number }): Promise<Readable>;
  remove(id: string): Promise<void>;
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
  }
}

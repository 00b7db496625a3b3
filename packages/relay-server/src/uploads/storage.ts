import { createReadStream } from 'node:fs';
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

/** Local files under one directory (`@tus/file-store`): the embedded default. */
export class FileUploadStorage implements UploadStorage {
  readonly datastore: FileStore;

  constructor(
    private readonly directory: string,
    expirationPeriodInMilliseconds: number,
  ) {
    this.datastore = new FileStore({ directory, expirationPeriodInMilliseconds });
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

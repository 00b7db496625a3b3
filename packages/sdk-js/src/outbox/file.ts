import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { OutboxEntry, OutboxStorage } from './storage.js';

/**
 * The outbox as a JSON file, for Node bots and servers. Every change rewrites the file
 * through a temporary one and a rename, so a crash leaves the old or the new outbox, never
 * half of one. Writes are serialized.
 */
export class FileOutboxStorage implements OutboxStorage {
  #entries: Map<string, OutboxEntry> | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(private readonly path: string) {}

  async load(): Promise<OutboxEntry[]> {
    return [...(await this.#read()).values()].map((entry) => ({ ...entry }));
  }

  async put(entry: OutboxEntry): Promise<void> {
    (await this.#read()).set(entry.id, { ...entry });
    await this.#flush();
  }

  async delete(id: string): Promise<void> {
    if ((await this.#read()).delete(id)) await this.#flush();
  }

  async #read(): Promise<Map<string, OutboxEntry>> {
    if (this.#entries) return this.#entries;
    let entries: OutboxEntry[] = [];
    try {
      entries = JSON.parse(await readFile(this.path, 'utf8')) as OutboxEntry[];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    this.#entries ??= new Map(entries.map((entry) => [entry.id, entry]));
    return this.#entries;
  }

  #flush(): Promise<void> {
    // A file's bytes stay in memory: a JSON file keeps where its upload is, not the Blob.
    const snapshot = JSON.stringify([...(this.#entries?.values() ?? [])], (key, value: unknown) => (key === 'blob' ? undefined : value));
    this.#writing = this.#writing.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const temporary = `${this.path}.tmp`;
      await writeFile(temporary, snapshot);
      await rename(temporary, this.path);
    });
    return this.#writing;
  }
}

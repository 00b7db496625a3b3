import type { Message, SendAck } from '@chat4all/protocol';
import { Chat4AllError } from '../errors.js';
import { Store } from '../store.js';
import type { OutboxEntry, OutboxStorage } from './storage.js';

export interface OutboxOptions {
  storage: OutboxStorage;
  /** Sends one entry; resolves with the ack or rejects with a Chat4AllError. */
  send(entry: OutboxEntry): Promise<SendAck | Message>;
  /** Called with each ack (a change's is the message as it now is), before the entry leaves the outbox. */
  onSent(entry: OutboxEntry, ack: SendAck | Message): void;
  /** A change the relay refused, or one whose message was dropped unsent: it has left the outbox. */
  onDropped(entry: OutboxEntry, error: Chat4AllError | null): void;
  /** How long to wait before retrying after a retryable error. */
  retryDelayMs(error: Chat4AllError, attempt: number): number;
  /**
   * `INTERNAL` answers one message may get before it is marked failed with that code: a
   * relay that keeps failing on it will not store it by retrying forever. Other retryable
   * errors (rate limits, a relay going away) are retried without bound.
   */
  maxInternalErrors: number;
}

/**
 * Messages not yet acked, persisted before anything is sent. While connected, each
 * conversation's entries are sent one after the other in `send()` order, so the relay
 * commits them in that order whatever fails in between; conversations flush in parallel.
 * A retry reuses the id, so the relay never stores one twice.
 */
export class Outbox {
  readonly entries = new Store<readonly OutboxEntry[]>([]);
  #order = 0;
  #online = false;
  /** Conversations with a flush loop running. */
  readonly #flushing = new Set<string>();
  #loaded: Promise<void> | null = null;
  #adding: Promise<unknown> = Promise.resolve();
  readonly #options: OutboxOptions;

  constructor(options: OutboxOptions) {
    this.#options = options;
  }

  /** Reads what a previous session left behind. */
  load(): Promise<void> {
    this.#loaded ??= this.#options.storage.load().then((entries) => {
      const merged = new Map(this.entries.getSnapshot().map((entry) => [entry.id, entry]));
      for (const entry of entries) merged.set(entry.id, entry);
      const sorted = [...merged.values()].sort((a, b) => a.order - b.order);
      this.#order = Math.max(this.#order, ...sorted.map((entry) => entry.order + 1), 0);
      this.entries.set(sorted);
      // Connected before the stored entries were read: send them now.
      this.setOnline(this.#online);
    });
    return this.#loaded;
  }

  /** Adds one after the other, so a delete sees every entry added before it. */
  add(entry: Omit<OutboxEntry, 'order' | 'status'>): Promise<OutboxEntry> {
    const added = this.#adding.then(() => this.#add(entry));
    this.#adding = added.catch(() => undefined);
    return added;
  }

  async #add(entry: Omit<OutboxEntry, 'order' | 'status'>): Promise<OutboxEntry> {
    await this.load();
    const { change } = entry;
    // Deleting a message never sent drops it, and the changes queued for it, instead.
    if (change?.type === 'message.delete') {
      const dropped = this.entries.getSnapshot().filter((e) => e.id === change.messageId || e.change?.messageId === change.messageId);
      // Not one a flush is sending (the first of its conversation): that one may be stored already, and is deleted after its ack.
      const sending =
        this.#flushing.has(entry.conversationId) &&
        this.entries.getSnapshot().find((e) => e.conversationId === entry.conversationId) === dropped[0];
      if (dropped[0] && !dropped[0].change && !sending) {
        for (const e of [...dropped, entry as OutboxEntry]) await this.#remove(e, null);
        return entry as OutboxEntry;
      }
    }
    const full: OutboxEntry = { ...entry, order: this.#order++, status: 'pending' };
    await this.#options.storage.put(full);
    this.#replace(full.id, full);
    this.#kick(full.conversationId);
    return full;
  }

  /** Connected (or not): flushing starts or pauses. */
  setOnline(online: boolean): void {
    this.#online = online;
    if (online) for (const conversationId of new Set(this.entries.getSnapshot().map((e) => e.conversationId))) this.#kick(conversationId);
  }

  /** Changes an entry (a file's upload progressed or finished) and sends what may go now. */
  async update(id: string, patch: Partial<Pick<OutboxEntry, 'file'>>): Promise<void> {
    const entry = this.entries.getSnapshot().find((e) => e.id === id);
    if (!entry) return;
    const next: OutboxEntry = { ...entry, ...patch };
    await this.#options.storage.put(next);
    this.#replace(id, next);
    this.#kick(entry.conversationId);
  }

  /** Marks an entry failed for good (its upload was refused), holding back the ones after it. */
  async fail(id: string, error: NonNullable<OutboxEntry['error']>): Promise<void> {
    const entry = this.entries.getSnapshot().find((e) => e.id === id);
    if (!entry) return;
    const failed: OutboxEntry = { ...entry, status: 'failed', error };
    await this.#options.storage.put(failed);
    this.#replace(id, failed);
  }

  async retry(id: string): Promise<void> {
    const entry = this.entries.getSnapshot().find((e) => e.id === id);
    if (entry?.status !== 'failed') return;
    const pending: OutboxEntry = { ...entry, status: 'pending' };
    delete pending.error;
    await this.#options.storage.put(pending);
    this.#replace(id, pending);
    this.#kick(entry.conversationId);
  }

  /** Drops a failed entry, or a file message still uploading. */
  async cancel(id: string): Promise<void> {
    const entry = this.entries.getSnapshot().find((e) => e.id === id);
    if (!entry || (entry.status !== 'failed' && !(entry.file && !entry.file.attachment))) return;
    await this.#remove(entry);
    // The entries it held back can go now.
    this.#kick(entry.conversationId);
  }

  #kick(conversationId: string): void {
    if (!this.#online || this.#flushing.has(conversationId)) return;
    this.#flushing.add(conversationId);
    void this.#flush(conversationId).finally(() => this.#flushing.delete(conversationId));
  }

  async #flush(conversationId: string): Promise<void> {
    let attempt = 0;
    let internal = { id: '', count: 0 };
    while (this.#online) {
      // A failed entry blocks the ones after it, so order holds until the app retries or cancels it.
      const next = this.entries.getSnapshot().find((e) => e.conversationId === conversationId);
      if (next?.status !== 'pending') return;
      // A file message waits for its upload; `update()` starts the flush again when it is done.
      if (next.file && !next.file.attachment) return;
      try {
        const ack = await this.#options.send(next);
        this.#options.onSent(next, ack);
        await this.#remove(next);
        attempt = 0;
      } catch (error) {
        const failure = error instanceof Chat4AllError ? error : new Chat4AllError('INTERNAL', String(error));
        if (failure.code === 'CONNECTION_LOST') return;
        // Counted in a row: any other answer in between starts the count again.
        internal =
          failure.code === 'INTERNAL' ? { id: next.id, count: internal.id === next.id ? internal.count + 1 : 1 } : { id: '', count: 0 };
        const givingUp = failure.code === 'INTERNAL' && internal.count >= this.#options.maxInternalErrors;
        if (failure.retryable && !givingUp) {
          await new Promise((resolve) => setTimeout(resolve, this.#options.retryDelayMs(failure, attempt++)));
          continue;
        }
        // A refused change is dropped, not held: retrying it cannot succeed, and the messages after it go on.
        if (next.change) {
          await this.#remove(next, failure);
          continue;
        }
        const failed: OutboxEntry = {
          ...next,
          status: 'failed',
          error: { code: failure.code, message: failure.message, retryable: failure.retryable },
        };
        await this.#options.storage.put(failed);
        this.#replace(next.id, failed);
        return;
      }
    }
  }

  /** Takes an entry out; given `dropped` (its error, or null), says the entry was dropped. */
  async #remove(entry: OutboxEntry, dropped?: Chat4AllError | null): Promise<void> {
    await this.#options.storage.delete(entry.id);
    this.#replace(entry.id, null);
    if (dropped !== undefined) this.#options.onDropped(entry, dropped);
  }

  #replace(id: string, entry: OutboxEntry | null): void {
    const current = this.entries.getSnapshot();
    const index = current.findIndex((e) => e.id === id);
    // A delete dropped with the unsent message it deletes was never in: the snapshot stays the same object.
    if (index < 0 && !entry) return;
    const next = [...current];
    if (index >= 0) {
      if (entry) next[index] = entry;
      else next.splice(index, 1);
    } else if (entry) {
      next.push(entry);
      // Entries arrive in order; only a reload merge can bring an older one.
      if ((current[current.length - 1]?.order ?? -1) > entry.order) next.sort((a, b) => a.order - b.order);
    }
    this.entries.set(next);
  }
}

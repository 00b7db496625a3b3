interface Pending<I, O> {
  input: I;
  resolve(output: O): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions {
  /** Most inputs in one transaction. */
  maxBatch: number;
  /** Called after each commit with its size, for metrics and logs. */
  onCommit?: (size: number, durationMs: number) => void;
}

/**
 * Group commit. Writes that arrive while the event loop is busy (or while the previous
 * transaction is committing) are queued and handed to `commit` together, which writes
 * them in one transaction; each caller's promise settles only after the commit that holds
 * its input. One batch is in flight at a time, which keeps commit order equal to arrival
 * order (and so per-conversation seq order equal to send order).
 */
export class GroupCommit<I, O> {
  readonly #commit: (batch: I[]) => Promise<O[]>;
  readonly #options: GroupCommitOptions;
  #queue: Pending<I, O>[] = [];
  #running: Promise<void> | null = null;

  constructor(commit: (batch: I[]) => Promise<O[]>, options: GroupCommitOptions) {
    this.#commit = commit;
    this.#options = options;
  }

  submit(input: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      // setImmediate lets every frame already read from sockets in this turn join the batch.
      this.#running ??= new Promise<void>((done) => setImmediate(done)).then(() => this.#drain());
    });
  }

  /** Resolves once everything queued so far is committed (or failed). */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#options.maxBatch);
        const started = performance.now();
        try {
          const outputs = await this.#commit(batch.map((p) => p.input));
          this.#options.onCommit?.(batch.length, performance.now() - started);
          for (const [i, pending] of batch.entries()) pending.resolve(outputs[i] as O);
        } catch (error) {
          for (const pending of batch) pending.reject(error);
        }
      }
    } finally {
      this.#running = null;
    }
  }
}

interface Pending<I, O> {
  input: I;
  /** What `traced.capture` took of the submitter's context. */
  captured: unknown;
  resolve(output: O): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions {
  /** Most inputs in one transaction. */
  maxBatch: number;
  /** Called after each commit with its size, for metrics and logs. */
  onCommit?: (size: number, durationMs: number) => void;
  /**
   * Whether a failed batch's inputs are committed again one by one, so only the one the
   * store refuses fails. Not for failures every input would share (the store unreachable).
   * @default every failure
   */
  isolates?: (error: unknown) => boolean;
  /** Each commit traced: what `capture` takes of each submitter's context is given to `run`, which runs the commit (in a span). */
  traced?: BatchTracing;
}

/** How a group commit's batches are traced: a span per commit, linked to the spans its inputs were submitted in. */
export interface BatchTracing {
  capture(): unknown;
  run<T>(captured: readonly unknown[], commit: () => Promise<T>): Promise<T>;
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
      this.#queue.push({ input, captured: this.#options.traced?.capture(), resolve, reject });
      // setImmediate lets every frame already read from sockets in this turn join the batch.
      this.#running ??= new Promise<void>((done) => setImmediate(done)).then(() => this.#drain());
    });
  }

  /** Resolves once everything queued so far is committed (or failed). */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
  }

  /**
   * A failed batch rolled back whole: each input is committed again on its own, in order,
   * so one input the store refuses fails only its own caller, not everyone it was batched with.
   */
  async #oneByOne(batch: Pending<I, O>[], error: unknown): Promise<void> {
    if (batch.length === 1 || this.#options.isolates?.(error) === false) {
      for (const pending of batch) pending.reject(error);
      return;
    }
    for (const [index, pending] of batch.entries()) {
      const started = performance.now();
      try {
        const [output] = await this.#run([pending]);
        this.#options.onCommit?.(1, performance.now() - started);
        pending.resolve(output as O);
      } catch (own) {
        pending.reject(own);
        // The store went away meanwhile: the rest would each wait out the same failure.
        if (this.#options.isolates?.(own) === false) {
          for (const rest of batch.slice(index + 1)) rest.reject(own);
          return;
        }
      }
    }
  }

  #run(batch: Pending<I, O>[]): Promise<O[]> {
    const commit = () => this.#commit(batch.map((p) => p.input));
    const { traced } = this.#options;
    return traced
      ? traced.run(
          batch.map((p) => p.captured),
          commit,
        )
      : commit();
  }

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#options.maxBatch);
        const started = performance.now();
        try {
          const outputs = await this.#run(batch);
          this.#options.onCommit?.(batch.length, performance.now() - started);
          for (const [i, pending] of batch.entries()) pending.resolve(outputs[i] as O);
        } catch (error) {
          await this.#oneByOne(batch, error);
        }
      }
    } finally {
      this.#running = null;
    }
  }
}

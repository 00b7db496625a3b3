/**
 * Runs `task` when woken, one run at a time. A wake during a run starts one more run after
 * it, so work that arrived meanwhile does not wait for the next timer; any number of wakes
 * during a run make one more run. Failures go to `onError`.
 */
export class Rerun {
  #running: Promise<void> | undefined;
  #again = false;
  #closed = false;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly onError: (error: unknown) => void,
  ) {}

  wake(): void {
    if (this.#closed) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = this.task()
      .catch(this.onError)
      .finally(() => {
        this.#running = undefined;
        if (this.#again) {
          this.#again = false;
          this.wake();
        }
      });
  }

  /** Stops waking and waits for the run in progress. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#running) await this.#running;
  }
}

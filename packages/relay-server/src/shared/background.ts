/** Work started without awaiting it: its errors go to one handler, and `settled()` waits for what is still running. */
export class BackgroundWork {
  readonly #pending = new Set<Promise<unknown>>();

  constructor(private readonly onError: (error: unknown) => void) {}

  run(work: Promise<unknown>): void {
    const tracked = work.catch(this.onError).finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
  }

  async settled(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }
}

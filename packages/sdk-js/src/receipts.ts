/** How long messages arriving together wait, so a burst costs one delivered receipt. */
const BURST_MS = 50;

/** Tells the relay, once per burst and conversation, that this device has received up to the newest message held. */
export class DeliveredReceipts {
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #send: (conversationId: string) => Promise<unknown>;
  readonly #warn: (message: string, error: unknown) => void;

  constructor(send: (conversationId: string) => Promise<unknown>, warn: (message: string, error: unknown) => void) {
    this.#send = send;
    this.#warn = warn;
  }

  schedule(conversationId: string): void {
    if (this.#timers.has(conversationId)) return;
    this.#timers.set(
      conversationId,
      setTimeout(() => {
        this.#timers.delete(conversationId);
        this.#send(conversationId).catch((error: unknown) => this.#warn('delivered receipt failed', error));
      }, BURST_MS),
    );
  }

  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
  }
}

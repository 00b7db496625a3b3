import type { TypingEvent } from '@chat4all/protocol';

/**
 * Who is typing where. Never stored. A `typing` start must be renewed within `expiryMs`
 * or it ends on its own; `onChange` is called only when someone starts or stops.
 */
export class TypingTracker {
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly expiryMs: number,
    private readonly onChange: (event: TypingEvent) => void,
  ) {}

  set(conversationId: string, userId: string, active: boolean): void {
    const key = `${conversationId}\u0000${userId}`;
    const timer = this.#timers.get(key);
    if (timer) clearTimeout(timer);
    if (!active) {
      if (timer) this.#end(key, conversationId, userId);
      return;
    }
    this.#timers.set(
      key,
      setTimeout(() => this.#end(key, conversationId, userId), this.expiryMs),
    );
    if (!timer) this.onChange({ type: 'typing', conversationId, userId, active: true });
  }

  /** Stops every indicator of a user (their last connection closed). */
  clearUser(userId: string): void {
    for (const [key, timer] of this.#timers) {
      const [conversationId, owner] = key.split('\u0000') as [string, string];
      if (owner !== userId) continue;
      clearTimeout(timer);
      this.#end(key, conversationId, userId);
    }
  }

  close(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }

  #end(key: string, conversationId: string, userId: string): void {
    this.#timers.delete(key);
    this.onChange({ type: 'typing', conversationId, userId, active: false });
  }
}

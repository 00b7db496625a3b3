import type { TypingEvent } from '@chat4all/protocol';
import { BackgroundWork } from '../shared/background.js';
import type { SharedState } from '../shared/types.js';

/**
 * Who is typing where, across every node. Never stored in the database. A `typing` start
 * must be renewed within `expiryMs` or it ends on its own; `onChange` is called once per
 * start or stop, on whichever node saw it. Expired indicators are collected by a sweep on
 * every node, so one whose node died still ends.
 */
export class TypingTracker {
  /** Conversations each user started typing in through this node, to end them when the user leaves. */
  readonly #mine = new Map<string, Set<string>>();
  readonly #work: BackgroundWork;
  readonly #sweep: ReturnType<typeof setInterval>;

  constructor(
    private readonly shared: SharedState,
    private readonly expiryMs: number,
    private readonly onChange: (event: TypingEvent) => void,
    onError: (error: unknown) => void = () => {},
  ) {
    this.#work = new BackgroundWork(onError);
    this.#sweep = setInterval(() => this.#work.run(this.#expire()), Math.max(50, Math.min(500, expiryMs / 4)));
    this.#sweep.unref?.();
  }

  async set(conversationId: string, userId: string, active: boolean): Promise<void> {
    const key = { conversationId, userId };
    if (active) {
      this.#remember(userId, conversationId);
      if (await this.shared.startTyping(key, this.expiryMs)) this.onChange({ type: 'typing', conversationId, userId, active: true });
      return;
    }
    this.#forget(userId, conversationId);
    if (await this.shared.stopTyping(key)) this.onChange({ type: 'typing', conversationId, userId, active: false });
  }

  /** Stops every indicator the user started through this node (their last socket here closed). */
  clearUser(userId: string): void {
    for (const conversationId of this.#mine.get(userId) ?? []) this.#work.run(this.set(conversationId, userId, false));
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
    this.#mine.clear();
    await this.#work.settled();
  }

  async #expire(): Promise<void> {
    for (const { conversationId, userId } of await this.shared.takeExpiredTyping()) {
      this.#forget(userId, conversationId);
      this.onChange({ type: 'typing', conversationId, userId, active: false });
    }
  }

  #remember(userId: string, conversationId: string): void {
    const conversations = this.#mine.get(userId) ?? new Set<string>();
    conversations.add(conversationId);
    this.#mine.set(userId, conversations);
  }

  #forget(userId: string, conversationId: string): void {
    const conversations = this.#mine.get(userId);
    conversations?.delete(conversationId);
    if (conversations?.size === 0) this.#mine.delete(userId);
  }
}

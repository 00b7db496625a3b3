import type { TypingEvent } from '@chat4all/protocol';
import { BackgroundWork } from '../shared/background.js';
import type { SharedState, TypingKey } from '../shared/types.js';

/**
 * Who is typing where, across every node. Never stored in the database. A `typing` start
 * must be renewed within `expiryMs` or it ends on its own; `onChange` is called once per
 * start or stop, on whichever node saw it. Expired indicators are collected by a sweep on
 * every node, so one whose node died still ends.
 */
export class TypingTracker {
  /** Where each user started typing through this node (conversation and thread), to end them when the user leaves. */
  readonly #mine = new Map<string, Map<string, TypingKey>>();
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

  /** Starts or stops a user's indicator in a conversation, or in one of its threads (`threadId`): each is its own. */
  async set(conversationId: string, userId: string, active: boolean, threadId: string | null = null): Promise<void> {
    const key = { conversationId, userId, threadId };
    if (active) {
      this.#remember(key);
      if (await this.shared.startTyping(key, this.expiryMs)) this.onChange(typingEvent(key, true));
      return;
    }
    this.#forget(key);
    if (await this.shared.stopTyping(key)) this.onChange(typingEvent(key, false));
  }

  /** Stops every indicator the user started through this node (their last socket here closed). */
  clearUser(userId: string): void {
    for (const key of this.#mine.get(userId)?.values() ?? [])
      this.#work.run(this.set(key.conversationId, userId, false, key.threadId ?? null));
  }

  async close(): Promise<void> {
    clearInterval(this.#sweep);
    this.#mine.clear();
    await this.#work.settled();
  }

  async #expire(): Promise<void> {
    for (const key of await this.shared.takeExpiredTyping()) {
      this.#forget(key);
      this.onChange(typingEvent(key, false));
    }
  }

  #remember(key: TypingKey): void {
    const places = this.#mine.get(key.userId) ?? new Map<string, TypingKey>();
    places.set(placeOf(key), key);
    this.#mine.set(key.userId, places);
  }

  #forget(key: TypingKey): void {
    const places = this.#mine.get(key.userId);
    places?.delete(placeOf(key));
    if (places?.size === 0) this.#mine.delete(key.userId);
  }
}

const placeOf = ({ conversationId, threadId }: TypingKey) => `${conversationId}\u0000${threadId ?? ''}`;

/** The event of a start or stop: with `threadId` only for a thread, as clients of the conversation alone expect. */
function typingEvent({ conversationId, userId, threadId }: TypingKey, active: boolean): TypingEvent {
  return threadId ? { type: 'typing', conversationId, userId, active, threadId } : { type: 'typing', conversationId, userId, active };
}

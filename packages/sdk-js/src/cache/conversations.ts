import type { ResumeCursor, ServerFrame } from '@chat4all/protocol';
import { type ConversationAction, ConversationCache } from './conversation.js';

/** Every conversation the client holds, by id; frames reach the one they belong to. */
export class Conversations {
  readonly #caches = new Map<string, ConversationCache>();

  get(conversationId: string): ConversationCache {
    let cache = this.#caches.get(conversationId);
    if (!cache) {
      cache = new ConversationCache(conversationId);
      this.#caches.set(conversationId, cache);
    }
    return cache;
  }

  dispatch(conversationId: string, action: ConversationAction): void {
    this.get(conversationId).dispatch(action);
  }

  /** A conversation's frame to its conversation; others are not the cache's. */
  apply(frame: ServerFrame): void {
    switch (frame.type) {
      case 'welcome':
      case 'ack':
      case 'error':
      case 'typing':
      case 'presence':
      case 'member.restricted':
        return;
      default:
        this.dispatch(
          'conversationId' in frame ? frame.conversationId : 'message' in frame ? frame.message.conversationId : frame.conversation.id,
          frame,
        );
    }
  }

  /** Every view derived from the caches checks its inputs again. */
  recheck(): void {
    for (const cache of this.#caches.values()) cache.dispatch({ type: 'recheck' });
  }

  /** Per conversation, `[seq, eventSeq]`: what the client holds, for the relay's resume. */
  cursors(): Record<string, ResumeCursor> {
    return Object.fromEntries(
      [...this.#caches.values()]
        .map((cache) => cache.state.getSnapshot())
        .filter((state) => state.conversation || state.seq > 0)
        .map((state) => [state.id, [state.seq, state.eventSeq]]),
    );
  }
}

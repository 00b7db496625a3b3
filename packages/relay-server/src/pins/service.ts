import type { Pin, PinUpdatedEvent } from '@chat4all/protocol';
import type { Logger } from 'pino';
import type { Principal } from '../auth/tokens.js';
import type { Publisher } from '../bus/node-events.js';
import type { ConversationService } from '../conversations/service.js';
import { RelayError } from '../errors.js';
import { enforceUserLimit } from '../limits/errors.js';
import type { Limits } from '../limits/limits.js';
import type { Store } from '../store/types.js';
import { mayPin } from './rules.js';

export interface PinServiceOptions {
  /** Current pins a conversation may have. */
  maxPerConversation: number;
  /** Per-user limit of pins and unpins (`pin`); the server API key is not limited. */
  rateLimits: Pick<Limits, 'write'>;
  /** Failures to publish after a commit (clients recover on resume). */
  log: Logger;
}

/** Pinned messages: pin and unpin (by the roles `mayPin` names), the conversation's list, and `pin.updated` to its members. */
export class PinService {
  constructor(
    private readonly store: Pick<Store, 'pins'>,
    private readonly bus: Publisher,
    private readonly conversations: Pick<ConversationService, 'access'>,
    private readonly options: PinServiceOptions,
  ) {}

  /** Pins a message, optionally until `until` (ISO 8601, in the future); pinning it again sets the expiry anew. */
  async pin(principal: Principal, conversationId: string, messageId: string, until?: string | null): Promise<Pin> {
    const now = Date.now();
    const expiresAt = until == null ? null : Date.parse(until);
    if (expiresAt !== null && !(expiresAt > now)) throw new RelayError('BAD_REQUEST', 'until must be a time in the future');
    const userId = await this.#allowed(principal, conversationId);
    const { maxPerConversation: max } = this.options;
    const outcome = await this.store.pins.pin({ conversationId, messageId, userId, expiresAt, now, max });
    if (!outcome.ok) throw refusal(outcome.code, messageId, max);
    if (outcome.eventSeq !== null) this.#publish({ conversationId, messageId, userId, pin: outcome.pin, eventSeq: outcome.eventSeq });
    return outcome.pin;
  }

  /** Unpins a message; unpinning one that is not pinned changes nothing. */
  async unpin(principal: Principal, conversationId: string, messageId: string): Promise<void> {
    const userId = await this.#allowed(principal, conversationId);
    const outcome = await this.store.pins.unpin(conversationId, messageId, userId, Date.now());
    if (!outcome.ok) throw refusal(outcome.code, messageId, this.options.maxPerConversation);
    if (outcome.eventSeq !== null) this.#publish({ conversationId, messageId, userId, pin: null, eventSeq: outcome.eventSeq });
  }

  /** The conversation's current pins, newest first; any member may read them. */
  async list(principal: Principal, conversationId: string): Promise<Pin[]> {
    await this.conversations.access(principal, conversationId);
    return this.store.pins.list(conversationId, Date.now());
  }

  /** Who pins: the member, after their rate limit and role; null for the server API key. */
  async #allowed(principal: Principal, conversationId: string): Promise<string | null> {
    await enforceUserLimit(principal, (userId) => this.options.rateLimits.write('pin', userId));
    const { conversation, member } = await this.conversations.access(principal, conversationId);
    if (!mayPin(conversation, member)) throw new RelayError('FORBIDDEN', 'Only admins and the owner pin messages in a group');
    return member?.userId ?? null;
  }

  #publish(change: Omit<PinUpdatedEvent, 'type'>): void {
    const event: PinUpdatedEvent = { type: 'pin.updated', ...change };
    this.bus
      .publish({ kind: 'conversation', conversationId: change.conversationId, event })
      .catch((err: unknown) => this.options.log.error({ err, messageId: change.messageId }, 'publish failed; clients recover on resume'));
  }
}

function refusal(code: 'MESSAGE_NOT_FOUND' | 'MESSAGE_DELETED' | 'TOO_MANY_PINS', messageId: string, max: number): RelayError {
  if (code === 'MESSAGE_NOT_FOUND') return new RelayError(code, `Message ${messageId} not found`);
  if (code === 'MESSAGE_DELETED') return new RelayError(code, 'A deleted message cannot be pinned');
  return new RelayError(code, `The conversation already has ${max} pinned messages`);
}

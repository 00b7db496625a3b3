import { type ConversationSettings, MUTED_FOREVER, type UnreadTotal, type UpdateConversationSettingsBody } from '@chat4all/protocol';
import type { Logger } from 'pino';
import type { Publisher } from '../bus/node-events.js';
import { RelayError } from '../errors.js';
import type { Limits } from '../limits/limits.js';
import type { PlanSettings, SettingsPatch, Store } from '../store/types.js';
import { planSettings } from './settings.js';

export interface InboxServiceOptions {
  /** Conversations one user may have pinned (`limits.pinnedConversations`). */
  maxPinned: number;
  /** Per-user limit of settings changes (`settings`). */
  rateLimits: Pick<Limits, 'write'>;
  /** Failures to clear a mark after a read (the read itself succeeded). */
  log: Pick<Logger, 'warn'>;
}

const FOREVER_MS = Date.parse(MUTED_FOREVER);

/**
 * A user's own view of their conversations: mute, archive, pin and mark unread, which only
 * that user's sockets hear about (live and on resume), and their unread totals.
 */
export class InboxService {
  readonly #plan: PlanSettings;
  readonly #clearing = new Set<Promise<void>>();

  constructor(
    private readonly store: Pick<Store, 'inbox'>,
    private readonly bus: Publisher,
    private readonly options: InboxServiceOptions,
  ) {
    this.#plan = planSettings(options.maxPinned);
  }

  /** The caller's settings; CONVERSATION_NOT_FOUND when not a member, as for any conversation. */
  async get(userId: string, conversationId: string): Promise<ConversationSettings> {
    const settings = await this.store.inbox.settings(conversationId, userId);
    if (!settings) throw notFound(conversationId);
    return settings;
  }

  async update(userId: string, conversationId: string, body: UpdateConversationSettingsBody): Promise<ConversationSettings> {
    const refusal = await this.options.rateLimits.write('settings', userId);
    if (refusal) throw refusal;
    const now = Date.now();
    const { mutedUntil, ...flags } = body;
    const patch: SettingsPatch =
      mutedUntil === undefined ? flags : { ...flags, mutedUntil: mutedUntil === null ? null : muteTime(mutedUntil, now) };
    if (body.archived === true && body.pinned === true) throw new RelayError('BAD_REQUEST', 'An archived conversation cannot be pinned');
    const outcome = await this.store.inbox.updateSettings({ conversationId, userId, patch, now }, this.#plan);
    if (!outcome.ok)
      throw outcome.code === 'CONVERSATION_NOT_FOUND'
        ? notFound(conversationId)
        : new RelayError(outcome.code, `At most ${this.options.maxPinned} conversations can be pinned; unpin one first`);
    if (outcome.eventSeq !== null) await this.#publish(userId, conversationId, outcome.settings, outcome.eventSeq);
    return outcome.settings;
  }

  unreadTotal(userId: string): Promise<UnreadTotal> {
    return this.store.inbox.unreadTotals(userId, Date.now());
  }

  /** The user read the conversation (a read receipt, whether or not it moved their horizon): a mark of unread is cleared. */
  read(conversationId: string, userId: string): Promise<void> {
    const clearing = this.store.inbox
      .clearMarkedUnread(conversationId, userId, Date.now())
      .then((cleared) => (cleared ? this.#publish(userId, conversationId, cleared.settings, cleared.eventSeq) : undefined))
      .catch((err: unknown) => this.options.log.warn({ err, conversationId }, 'clearing a conversation marked unread failed'))
      .finally(() => this.#clearing.delete(clearing));
    this.#clearing.add(clearing);
    return clearing;
  }

  /** Waits for the clears under way, so none outlives the store. */
  async drain(): Promise<void> {
    await Promise.all(this.#clearing);
  }

  /** To the user's own sockets only, on every node: other members never hear of it. */
  #publish(userId: string, conversationId: string, settings: ConversationSettings, eventSeq: number): Promise<void> {
    return this.bus.publish({
      kind: 'conversation',
      conversationId,
      event: { type: 'conversation.settings', conversationId, settings, eventSeq },
      to: [userId],
    });
  }
}

function notFound(conversationId: string): RelayError {
  return new RelayError('CONVERSATION_NOT_FOUND', `Conversation ${conversationId} not found`);
}

function muteTime(text: string, now: number): number {
  const at = Date.parse(text);
  if (!Number.isFinite(at) || at <= now || at > FOREVER_MS)
    throw new RelayError('BAD_REQUEST', `mutedUntil must be a time in the future, at most ${MUTED_FOREVER}`);
  return at;
}

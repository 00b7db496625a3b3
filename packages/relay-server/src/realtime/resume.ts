import type { ConversationEvent, ConversationSettings, Member, Message, ResumeCursor, ResumeResult, ServerFrame } from '@chat4all/protocol';
import { LRUCache } from 'lru-cache';
import { toChannelDelivery } from '../channels/views.js';
import { isVisible } from '../safety/visibility.js';
import type { Store, StoredEvent } from '../store/types.js';
import type { Connection, ReplayedTo } from './connection.js';

const MESSAGE_PAGE = 500;
const EVENT_PAGE = 1000;

/** A page of a conversation's messages after a seq, each with its `message.created` frame encoded. */
interface ReplayPage {
  messages: readonly Message[];
  frames: readonly Buffer[];
  hasMore: boolean;
}

/**
 * The pages of messages resumes read, shared by every resume that asks for the same page of a
 * conversation in the same state, so a reconnect storm (a group coming back at once) reads and
 * encodes each page once instead of once per member.
 *
 * A page is shared only under the conversation's last seq and last event seq as each resume
 * read them: a new message moves the first, and every change a member is sent a frame for (an
 * edit, a deletion, a reaction) moves the second, so a resume given a page read before its own
 * state read gets what a read of its own would have given, or what its held live events bring.
 * Changes that send no frame (a sender anonymised on erasure) are at most `ttlMs` old, as they
 * would be for a client that had resumed that much earlier.
 */
export class ReplayPages {
  readonly #pages: LRUCache<string, Promise<ReplayPage>>;

  constructor(
    private readonly store: Pick<Store, 'messages'>,
    options: { max?: number; ttlMs?: number } = {},
  ) {
    this.#pages = new LRUCache({ max: options.max ?? 256, ttl: options.ttlMs ?? 1000, ttlAutopurge: true });
  }

  /** Messages after `afterSeq` (at most `limit`), for a conversation last seen at `lastSeq` and `lastEventSeq`. */
  read(conversationId: string, afterSeq: number, limit: number, state: { lastSeq: number; lastEventSeq: number }): Promise<ReplayPage> {
    const key = `${conversationId}\n${afterSeq}\n${limit}\n${state.lastSeq}\n${state.lastEventSeq}`;
    const cached = this.#pages.get(key);
    if (cached) return cached;
    const page = this.store.messages.list(conversationId, { after: afterSeq, limit }).then((read) => ({
      messages: read.messages,
      frames: read.messages.map((message) => Buffer.from(createdFrame(message))),
      hasMore: read.hasMore,
    }));
    this.#pages.set(key, page);
    // A failed read is not shared: the next resume reads again.
    page.catch(() => this.#pages.get(key) === page && this.#pages.delete(key));
    return page;
  }
}

export interface ResumeRequest {
  cursors: Record<string, ResumeCursor>;
  newConversationMessages: number;
}

/**
 * Replays, from the store, everything a client is missing, then lets live events through.
 *
 * The connection holds live events from before the first store read, so nothing committed
 * during the replay is lost; each held event carries its position (seq or event seq), and
 * the ones the replay already sent are dropped when the replay ends, so nothing arrives
 * twice. Messages come as `message.created` in seq order; other changes are materialized
 * from the event log as the current state of what changed (one frame per changed message,
 * member, receipt horizon, conversation, or the user's own settings), in event-seq order.
 */
export class Replay {
  readonly result: ResumeResult = { conversations: 0, messages: 0, events: 0 };
  readonly replayed = new Map<string, ReplayedTo>();

  constructor(
    private readonly store: Pick<Store, 'conversations' | 'messages' | 'deliveries' | 'inbox' | 'pins'>,
    private readonly connection: Connection,
    private readonly pages: ReplayPages,
  ) {}

  async run(request: ResumeRequest): Promise<void> {
    const { userId } = this.connection;
    const state = await this.store.conversations.syncState(userId);
    const current = new Set<string>();
    for (const entry of state) {
      current.add(entry.conversationId);
      const cursor = request.cursors[entry.conversationId];
      if (!cursor) {
        await this.#newConversation(entry.conversationId, request.newConversationMessages);
        continue;
      }
      const [seq, eventSeq] = cursor;
      const to: ReplayedTo = { seq, eventSeq };
      this.replayed.set(entry.conversationId, to);
      if (entry.lastEventSeq <= eventSeq && entry.lastSeq <= seq) continue;
      this.result.conversations++;
      if (entry.lastEventSeq > eventSeq) to.eventSeq = await this.#events(entry.conversationId, seq, eventSeq);
      if (entry.lastSeq > seq) to.seq = await this.#messages(entry, seq);
    }
    for (const conversationId of Object.keys(request.cursors)) {
      if (current.has(conversationId)) continue;
      // Left or removed while away: the conversation is gone for this user.
      this.result.conversations++;
      this.replayed.set(conversationId, { seq: Number.MAX_SAFE_INTEGER, eventSeq: Number.MAX_SAFE_INTEGER });
      await this.connection.sendAndDrain({ type: 'member.removed', conversationId, userId });
    }
  }

  async #newConversation(conversationId: string, messageCount: number): Promise<void> {
    const conversation = await this.store.conversations.get(conversationId);
    if (!conversation) return;
    const members = await this.store.conversations.listMembers(conversationId);
    this.result.conversations++;
    const to: ReplayedTo = { seq: conversation.lastSeq, eventSeq: conversation.lastEventSeq };
    this.replayed.set(conversationId, to);
    await this.connection.sendAndDrain({ type: 'conversation.created', conversation, members });
    const settings = await this.store.inbox.settings(conversationId, this.connection.userId);
    // Settings the user changed before this device knew the conversation: as of the snapshot's event seq.
    if (settings && conversation.lastEventSeq > 0 && !isDefault(settings))
      await this.connection.sendAndDrain({ type: 'conversation.settings', conversationId, settings, eventSeq: conversation.lastEventSeq });
    if (messageCount === 0 || conversation.lastSeq === 0) return;
    // The newest messages only; the client pages older history over REST when it needs it.
    const page = await this.store.messages.list(conversationId, { limit: messageCount });
    await this.#send(page.messages);
    to.seq = Math.max(to.seq, page.messages[page.messages.length - 1]?.seq ?? 0);
    // Where those messages went out to contacts, where each stands on its channel: the log's older delivery events are not replayed.
    const shown = page.messages.filter((message) => isVisible(message, this.connection.hidden)).map((message) => message.id);
    const deliveries = shown.length > 0 ? await this.store.deliveries.listForMessages(conversationId, shown) : [];
    const { lastEventSeq: eventSeq } = conversation;
    await this.connection.sendEncodedAndDrain(
      deliveries.map((delivery) =>
        JSON.stringify({ type: 'delivery.updated', conversationId, delivery: toChannelDelivery(delivery), eventSeq }),
      ),
    );
  }

  /** Sends every message after `afterSeq`, page by page; returns the last seq sent. */
  async #messages(state: { conversationId: string; lastSeq: number; lastEventSeq: number }, afterSeq: number): Promise<number> {
    let after = afterSeq;
    for (;;) {
      const page = await this.pages.read(state.conversationId, after, MESSAGE_PAGE, state);
      const { hidden } = this.connection;
      const frames = hidden.size === 0 ? page.frames : page.frames.filter((_, i) => isVisible(page.messages[i] as Message, hidden));
      // Taken by the socket before the next page is read, so a long replay never outruns a slow client.
      await this.connection.sendEncodedAndDrain(frames);
      this.result.messages += frames.length;
      after = page.messages[page.messages.length - 1]?.seq ?? after;
      if (!page.hasMore) return after;
    }
  }

  /** Sends a page and waits until the socket has taken it. */
  async #send(messages: readonly Message[]): Promise<void> {
    const frames = messages.filter((message) => isVisible(message, this.connection.hidden)).map(createdFrame);
    await this.connection.sendEncodedAndDrain(frames);
    this.result.messages += frames.length;
  }

  /** Materializes the event log after `afterEventSeq` into current-state frames; returns the last event seq read. */
  async #events(conversationId: string, knownSeq: number, afterEventSeq: number): Promise<number> {
    // Only the latest event per changed thing matters: its current state says it all.
    const latest = new Map<string, StoredEvent>();
    let after = afterEventSeq;
    for (;;) {
      const page = await this.store.conversations.listEvents(conversationId, after, EVENT_PAGE);
      for (const event of page) latest.set(keyOf(event), event);
      after = page[page.length - 1]?.eventSeq ?? after;
      if (page.length < EVENT_PAGE) break;
    }
    const frames = await this.#materialize(conversationId, knownSeq, [...latest.values()]);
    frames.sort((a, b) => a.eventSeq - b.eventSeq);
    for (const frame of frames) await this.connection.sendAndDrain(frame);
    this.result.events += frames.length;
    return after;
  }

  async #materialize(
    conversationId: string,
    knownSeq: number,
    events: StoredEvent[],
  ): Promise<Array<ConversationEvent & { eventSeq: number }>> {
    const frames: Array<ConversationEvent & { eventSeq: number }> = [];
    const messageEvents = events.filter((e) => e.messageId !== null && e.type !== 'delivery.updated' && e.type !== 'pin.updated');
    const messages = new Map(
      (
        await this.store.messages.getMany(
          conversationId,
          messageEvents.map((e) => e.messageId as string),
        )
      ).map((m) => [m.id, m]),
    );
    for (const event of messageEvents) {
      const message = messages.get(event.messageId as string);
      // Messages above the client's seq are replayed whole, in their current state, later.
      if (!message || message.seq > knownSeq || !isVisible(message, this.connection.hidden)) continue;
      const { eventSeq } = event;
      if (event.type !== 'reaction.updated')
        frames.push({ type: message.deletedAt ? 'message.deleted' : 'message.updated', message, eventSeq });
      else if (!message.deletedAt)
        frames.push({
          type: 'reaction.updated',
          conversationId,
          messageId: message.id,
          userId: event.userId as string,
          reactions: message.reactions,
          eventSeq,
        });
    }
    const now = Date.now();
    for (const event of events) {
      if (event.type !== 'pin.updated') continue;
      // Whatever the message's seq: a pin is not part of the message the client gets later.
      const messageId = event.messageId as string;
      const pin = await this.store.pins.get(conversationId, messageId, now);
      frames.push({ type: 'pin.updated', conversationId, messageId, userId: event.userId, pin, eventSeq: event.eventSeq });
    }
    for (const event of events) {
      if (event.type !== 'delivery.updated') continue;
      const delivery = (await this.store.deliveries.listForMessage(event.messageId as string)).find((d) => d.contactId === event.userId);
      if (delivery)
        frames.push({ type: 'delivery.updated', conversationId, delivery: toChannelDelivery(delivery), eventSeq: event.eventSeq });
    }
    for (const event of events) {
      // A member's own settings go to that member alone; to the others the event seq just moves on.
      if (event.type !== 'settings.updated' || event.userId !== this.connection.userId) continue;
      const settings = await this.store.inbox.settings(conversationId, event.userId);
      if (settings) frames.push({ type: 'conversation.settings', conversationId, settings, eventSeq: event.eventSeq });
    }
    const needsMembers = events.some((e) => e.type !== 'conversation.updated' && e.type !== 'settings.updated' && e.messageId === null);
    const members = needsMembers
      ? new Map<string, Member>((await this.store.conversations.listMembers(conversationId)).map((m) => [m.userId, m]))
      : new Map<string, Member>();
    for (const event of events) {
      const { eventSeq, userId } = event;
      if (event.type === 'settings.updated') continue;
      if (event.type === 'conversation.updated') {
        const conversation = await this.store.conversations.get(conversationId);
        if (conversation) frames.push({ type: 'conversation.updated', conversation, eventSeq });
      } else if (event.type === 'receipt' && userId) {
        const member = members.get(userId);
        if (member)
          frames.push({ type: 'receipt', conversationId, userId, deliveredSeq: member.deliveredSeq, readSeq: member.readSeq, eventSeq });
      } else if (event.messageId === null && userId) {
        const member = members.get(userId);
        frames.push(
          member
            ? { type: 'member.added', conversationId, member, eventSeq }
            : { type: 'member.removed', conversationId, userId, eventSeq },
        );
      }
    }
    return frames;
  }
}

/** A message as its replayed `message.created` frame. */
function createdFrame(message: Message): string {
  return JSON.stringify({ type: 'message.created', message } satisfies ServerFrame);
}

function isDefault(settings: ConversationSettings): boolean {
  return settings.mutedUntil === null && !settings.archived && settings.pinnedAt === null && !settings.markedUnread;
}

/** What an event is about: a message, a member's horizons, a membership, or the conversation itself. */
function keyOf(event: StoredEvent): string {
  if (event.type === 'delivery.updated') return `d:${event.messageId}:${event.userId}`;
  // A message's reactions are replayed whole: its latest change says them all.
  if (event.type === 'reaction.updated') return `x:${event.messageId}`;
  if (event.type === 'pin.updated') return `p:${event.messageId}`;
  if (event.messageId !== null) return `m:${event.messageId}`;
  if (event.type === 'receipt') return `r:${event.userId}`;
  if (event.type === 'conversation.updated') return 'c';
  if (event.type === 'settings.updated') return `s:${event.userId}`;
  return `u:${event.userId}`;
}

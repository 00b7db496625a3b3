import type {
  Attachment,
  ChannelDelivery,
  LinkPreview,
  Member,
  Message,
  Metadata,
  ReactionSummary,
  ThreadSummary,
} from '@chat4all/protocol';
import { type ConversationCache, type ConversationState, deliveriesOf, withChanges } from '../cache/conversation.js';
import type { Conversations } from '../cache/conversations.js';
import { messageOf } from '../outbox/message.js';
import type { OutboxEntry } from '../outbox/storage.js';
import { type ReadableStore, Store } from '../store.js';
import { type MessageStatus, statusFromReceipts, statusInOutbox } from './status.js';

/** A message as a UI shows it: confirmed (with seq) or still in the outbox, with its status for its sender. */
export interface ChatMessage {
  id: string;
  conversationId: string;
  /** `null` while pending or failed. */
  seq: number | null;
  senderId: string | null;
  kind: Message['kind'];
  text: string;
  metadata: Metadata;
  /** A file message's file, once uploaded (download it from `/v1/uploads/{uploadId}`). */
  attachment: Attachment | null;
  /** What a message from an external channel is beyond its text and file (a location, contact cards, a button choice…); `null` otherwise. */
  content: Message['content'];
  /** A file message of this user's still uploading: what is being sent (progress: `client.uploadOf(id)`). */
  pendingFile?: { name: string; type: string; size: number };
  replyTo: string | null;
  /** The members it mentions, by user id (render them with `mentionSegments`), and whether it mentions everyone. */
  mentions: readonly string[];
  mentionsAll: boolean;
  /**
   * Previews of the links in its text, when the relay has `previews.enabled`: added a moment
   * after the send (the message arrives again, updated), `[]` until then and while pending.
   * Text and an https image URL from the linked pages: render them as text, the image without a referrer.
   */
  previews: readonly LinkPreview[];
  /** The root of the thread it replies in (`null` outside threads), and whether it also shows in the conversation. */
  threadId: string | null;
  showInConversation: boolean;
  /** On a thread's root: its reply count, last reply and participants, kept live; `null` before the first reply. */
  thread: ThreadSummary | null;
  /** Its reactions in the order each was first used: who reacted, how many, and whether this user is one of them. */
  reactions: readonly ChatReaction[];
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  /** For the sender's own messages; others' messages are `sent`. */
  status: MessageStatus;
  /** Members other than the sender, and how many of them received and read it. */
  recipients: number;
  deliveredCount: number;
  readCount: number;
  /**
   * Where the message stands on each external contact's channel (WhatsApp, Telegram…): sent,
   * delivered, read or failed with the platform's code, and its history. Empty for
   * conversations without contacts. A contact counts as delivered or read from its channel's status.
   */
  channels: readonly ChannelDelivery[];
  /** Why it failed, when `status` is `failed`. */
  error?: OutboxEntry['error'];
}

/** One reaction of a message as a UI shows it. */
export interface ChatReaction extends ReactionSummary {
  /** Whether the signed-in user reacted with it. */
  mine: boolean;
}

/** Which messages a list shows. */
type Shows = (message: Pick<Message, 'id' | 'threadId' | 'showInConversation'>) => boolean;
/** A conversation shows its messages but the thread replies not sent also to it. */
export const inConversation: Shows = (m) => m.threadId === null || m.showInConversation;

type ReceiptCounts = Pick<ChatMessage, 'recipients' | 'deliveredCount' | 'readCount'>;

/** How many members other than the sender a message has, and how many received and read it (a contact by its channel's status). */
function receiptCounts(message: Message, members: readonly Member[], channels: readonly ChannelDelivery[]): ReceiptCounts {
  const others = members.filter((m) => m.userId !== message.senderId);
  const onChannel = (userId: string) => channels.find((d) => d.contactId === userId)?.status;
  const deliveredCount = others.filter(
    (m) => m.deliveredSeq >= message.seq || ['delivered', 'read'].includes(onChannel(m.userId) ?? ''),
  ).length;
  const readCount = others.filter((m) => m.readSeq >= message.seq || onChannel(m.userId) === 'read').length;
  return { recipients: others.length, deliveredCount, readCount };
}

/** A message still in the outbox: pending, or failed with why. */
export function pendingView(entry: OutboxEntry, me: string | null): ChatMessage {
  const view: ChatMessage = {
    ...messageOf(entry, me),
    seq: null,
    reactions: [],
    status: statusInOutbox(entry),
    recipients: 0,
    deliveredCount: 0,
    readCount: 0,
    channels: [],
  };
  if (entry.error) view.error = entry.error;
  if (entry.file && !entry.file.attachment) view.pendingFile = { name: entry.file.name, type: entry.file.type, size: entry.file.size };
  return view;
}

/** A confirmed message with its status from the other members' horizons. */
function confirmedView(message: Message, counts: ReceiptCounts, channels: readonly ChannelDelivery[], me: string | null): ChatMessage {
  const reactions = message.reactions.map((r) => ({ ...r, mine: me !== null && r.userIds.includes(me) }));
  return { ...message, reactions, status: statusFromReceipts(counts), ...counts, channels };
}

/**
 * One conversation's messages as the UI shows them: confirmed by seq, then the outbox's.
 * Items are reused while their inputs are unchanged: a new message costs one new item, a
 * receipt only the items whose counts it moved, and a change that moves none keeps the list.
 */
export class MessageList {
  readonly store = new Store<readonly ChatMessage[]>([]);
  /** Confirmed items with the state version they were checked at. */
  readonly #confirmed = new WeakMap<Message, { item: ChatMessage; version: number }>();
  readonly #pending = new WeakMap<OutboxEntry, { item: ChatMessage; me: string | null }>();
  readonly #cache: ConversationCache;
  readonly #outbox: ReadableStore<readonly OutboxEntry[]>;
  readonly #me: () => string | null;
  readonly #shows: Shows;

  constructor(cache: ConversationCache, outbox: ReadableStore<readonly OutboxEntry[]>, me: () => string | null, shows: Shows) {
    this.#cache = cache;
    this.#outbox = outbox;
    this.#me = me;
    this.#shows = shows;
    const recompute = () => this.#update();
    cache.state.subscribe(recompute);
    outbox.subscribe(recompute);
    recompute();
  }

  #update(): void {
    const state = this.#cache.state.getSnapshot();
    const me = this.#me();
    const members = [...state.members.values()];
    const entries = this.#outbox.getSnapshot().filter((entry) => entry.conversationId === state.id);
    // The user's queued edits, deletes and reactions, shown over the messages they change once sent.
    const changes = entries.filter((entry) => entry.change);
    const shows = this.#shows;
    const confirmed = state.messages
      .filter(shows)
      .map((message) => this.#confirmedItem(state, members, withChanges(message, changes, me), me));
    const ids = new Set(state.messages.map((m) => m.id));
    const pending = entries
      .filter(
        (entry) =>
          !entry.change &&
          !ids.has(entry.id) &&
          shows({ id: entry.id, threadId: entry.threadId ?? null, showInConversation: entry.showInConversation ?? false }),
      )
      .map((entry) => {
        const held = this.#pending.get(entry);
        if (held && held.me === me) return held.item;
        const item = pendingView(entry, me);
        this.#pending.set(entry, { item, me });
        return item;
      });
    const next = [...confirmed, ...pending];
    const current = this.store.getSnapshot();
    if (next.length !== current.length || next.some((item, i) => item !== current[i])) this.store.set(next);
  }

  #confirmedItem(state: ConversationState, members: readonly Member[], message: Message, me: string | null): ChatMessage {
    const held = this.#confirmed.get(message);
    // Members' horizons and channel statuses unchanged since: the item stands.
    if (held && held.version === state.version) return held.item;
    const channels = deliveriesOf(state, message.id);
    const counts = receiptCounts(message, members, channels);
    const same =
      held &&
      held.item.channels === channels &&
      held.item.recipients === counts.recipients &&
      held.item.deliveredCount === counts.deliveredCount &&
      held.item.readCount === counts.readCount;
    const item = same ? held.item : confirmedView(message, counts, channels, me);
    this.#confirmed.set(message, { item, version: state.version });
    return item;
  }
}

/** The message lists handed out, one per conversation, made on first use. */
export class MessageViews {
  readonly #lists = new Map<string, MessageList>();
  readonly #conversations: Conversations;
  readonly #outbox: ReadableStore<readonly OutboxEntry[]>;
  readonly #me: () => string | null;

  constructor(conversations: Conversations, outbox: ReadableStore<readonly OutboxEntry[]>, me: () => string | null) {
    this.#conversations = conversations;
    this.#outbox = outbox;
    this.#me = me;
  }

  of(conversationId: string): ReadableStore<readonly ChatMessage[]> {
    return this.#list(conversationId, conversationId, inConversation);
  }

  /** A thread's root (once held) followed by its replies. */
  thread(conversationId: string, rootId: string): ReadableStore<readonly ChatMessage[]> {
    return this.#list(`${conversationId}/${rootId}`, conversationId, (m) => m.id === rootId || m.threadId === rootId);
  }

  #list(key: string, conversationId: string, shows: Shows): ReadableStore<readonly ChatMessage[]> {
    let list = this.#lists.get(key);
    if (!list) {
      list = new MessageList(this.#conversations.get(conversationId), this.#outbox, this.#me, shows);
      this.#lists.set(key, list);
    }
    return list.store;
  }
}

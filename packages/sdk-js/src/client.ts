import type {
  ChannelDelivery,
  ChannelPolicy,
  Conversation,
  ConversationDetail,
  ConversationPage,
  ConversationSummary,
  Member,
  Message,
  Presence,
  ResumeCursor,
  UpdateConversationBody,
} from '@chat4all/protocol';
import { EventEmitter } from 'eventemitter3';
import type { ConversationQuery } from './cache/query.js';
import type { ConnectionState } from './connection/machine.js';
import type { ConversationFilters, GroupOptions } from './conversation-api.js';
import { Chat4AllError } from './errors.js';
import type { ClientEvents } from './events.js';
import type { SendFileOptions } from './file-messages.js';
import type { Inbox } from './inbox.js';
import { type ChatMessage, pendingView } from './messages/views.js';
import { createModeration, type Moderation } from './moderation.js';
import type { ClientOptions } from './options.js';
import type { MentionOptions, SendOptions } from './outbox/message.js';
import type { OutboxEntry } from './outbox/storage.js';
import type { Pins } from './pins.js';
import type { Push } from './push.js';
import type { Search } from './search.js';
import { Session } from './session.js';
import type { ReadableStore } from './store.js';
import { type Thread, threadsOf } from './threads.js';
import type { FileUpload, UploadOptions, UploadSource } from './upload.js';
import type { Users } from './users.js';
import { uuidv7 } from './uuid.js';

/**
 * The Chat4All client, the one object an app holds: its state as stores a UI reads (`subscribe` + `getSnapshot`), and
 * methods that change it. Each concern lives in a module of its own, wired together by the session.
 */
export class Chat4AllClient extends EventEmitter<ClientEvents> {
  readonly connection: ReadableStore<ConnectionState>;
  readonly outbox: ReadableStore<readonly OutboxEntry[]>;
  /** The user's own view of their conversations: mute, archive, pin to the top, mark unread, and unread totals. */
  readonly inbox: Inbox;
  /** Pins a message (group owners and admins; both members of a private conversation), optionally `until` a time; resolves with the pin. */
  readonly pin: Pins['pin'];
  /** Takes a message's pin off; unpinning one that is not pinned changes nothing. */
  readonly unpin: Pins['unpin'];
  /** A conversation's current pins, newest first, with who pinned each and when: loaded on first use, then live. */
  readonly pins: Pins['of'];
  /** Full-text search over the messages the user can read (see {@link Search}). */
  readonly search: Search;
  /** Users' profiles, loaded once and kept (`get`), and the app's user directory (`search`); see {@link Users}. */
  readonly users: Users;
  /**
   * Push notifications for when the user is away: `register({ serviceWorker })` in a browser, `register({ kind: 'fcm' | 'apns', token })`
   * in a native app, `devices()`, `unregister(deviceId)`.
   */
  readonly push: Push;
  /** Blocks, a group's mutes and bans, and reports of messages (see {@link Moderation}). */
  readonly moderation: Moderation;
  /** The signed-in user's id, once the relay has said welcome. */
  userId: string | null = null;
  /**
   * A thread of a conversation, by its root message's id: the root and its replies live, older and newer pages, replies
   * (optionally also sent to the conversation) and the user's unread count in it. The same object for the same root.
   */
  readonly thread: (conversationId: string, rootId: string) => Thread;
  readonly #session: Session;

  constructor(options: ClientOptions) {
    super();
    if (!options.token && !options.tokenProvider) throw new Chat4AllError('BAD_REQUEST', 'Give options.token or options.tokenProvider');
    this.#session = new Session(options, this);
    this.connection = this.#session.socket.state;
    this.outbox = this.#session.outbox.entries;
    this.inbox = this.#session.inbox;
    ({ pin: this.pin, unpin: this.unpin, of: this.pins } = this.#session.pins);
    this.search = this.#session.search;
    this.users = this.#session.users;
    this.push = this.#session.push;
    const { rest, socket, conversations, views } = this.#session;
    this.moderation = createModeration(rest);
    const warn = (message: string, error: unknown) => options.logger?.warn(message, error);
    this.thread = threadsOf({ rest, socket, conversations, views, me: () => this.userId, send: this.send.bind(this), warn });
  }

  /** Connects; resolves once connected and resumed, rejects if the relay refuses for good. */
  connect(): Promise<void> {
    return this.#session.socket.opened();
  }

  /**
   * Why the connection is `closed` when the relay refused for good: a token rejected twice, `SESSION_REVOKED` (the user logged out or the
   * login was revoked: sign in again), an unsupported protocol version, a refused origin. `null` otherwise.
   */
  get connectionError(): Chat4AllError | null {
    return this.#session.socket.fatalError;
  }

  close(): void {
    this.#session.close();
  }

  /**
   * Puts a message in the outbox (persisted first), shows it as pending, and sends it when connected. `content` shares a place or contact
   * cards (`text` may then be `''`): it goes to external contacts as the platform's location or contact message.
   */
  async send(conversationId: string, text: string, options: SendOptions = {}): Promise<ChatMessage> {
    return pendingView(
      await this.#session.outbox.add({ id: uuidv7(), conversationId, text, createdAt: Date.now(), ...options }),
      this.userId,
    );
  }

  /**
   * Uploads a file into a conversation (tus, resumable) without sending a message; attach it later with `sendFile`, or use `sendFile`
   * directly.
   */
  upload(source: UploadSource, options: UploadOptions): FileUpload {
    return this.#session.files.upload(source, options);
  }

  /**
   * Sends a file message: it goes into the outbox at once (pending, in order with the other messages of the conversation), the file
   * uploads, and the message is sent once the upload is complete. In browsers the file is kept in the outbox, so a reload resumes the
   * upload where it stopped. Progress, pause, resume and cancel: `uploadOf(message.id)`.
   */
  async sendFile(conversationId: string, source: UploadSource, options: SendFileOptions = {}): Promise<ChatMessage> {
    return pendingView(await this.#session.files.send(conversationId, source, options), this.userId);
  }

  /**
   * A link to an uploaded file for an `<img src>`, a video or a download: a short-lived URL the relay signs for this user and this file (no
   * token in it). Reused until shortly before it expires.
   */
  fileUrl(uploadId: string): Promise<string> {
    return this.#session.fileLinks.url(uploadId);
  }

  /** The same link as a store for a UI: `null` until it arrives, renewed before it expires while subscribed. */
  fileLink(uploadId: string): ReadableStore<string | null> {
    return this.#session.fileLinks.store(uploadId);
  }

  /** The upload of a file message still in the outbox. */
  uploadOf(messageId: string): FileUpload | undefined {
    return this.#session.files.uploadOf(messageId);
  }

  /** Sends a failed message again; a file message whose upload failed starts it again from where the relay has it. */
  retry(id: string): Promise<void> {
    return this.#session.files.retry(id);
  }

  /** Drops a failed message, or a file message still uploading (its upload is cancelled). */
  cancel(id: string): Promise<void> {
    return this.#session.files.cancel(id);
  }

  /**
   * The messages of a conversation as the UI shows them: confirmed by seq, then the outbox's. Thread replies not sent also to the
   * conversation are left out (they are in `thread(…).messages`); a root's `thread` counts them live.
   */
  messages(conversationId: string): ReadableStore<readonly ChatMessage[]> {
    return this.#session.views.of(conversationId);
  }

  /**
   * What can be sent to each external contact of a conversation now: the channel it is reached on, that channel's capabilities (text limit
   * and unit, captions, file sizes…), and its window (`open`, `human-agent` until when, `template-only`, `closed`, or `always`). A composer
   * shows "window closed: send a template" from it before anyone types. Changes when the contact writes and when a window ends: ask again
   * then (`useChannelPolicies` does).
   */
  channelPolicies(conversationId: string): Promise<readonly ChannelPolicy[]> {
    return this.#session.api.channelPolicies(conversationId);
  }

  /**
   * Fetches a message's channel deliveries from the relay (for messages loaded from history; later changes arrive live). They show in the
   * message's `channels`.
   */
  loadDeliveries(conversationId: string, messageId: string): Promise<readonly ChannelDelivery[]> {
    return this.#session.api.loadDeliveries(conversationId, messageId);
  }

  /** Loads `limit` messages older than the oldest held. */
  loadOlder(conversationId: string, limit = 50): Promise<number> {
    return this.#session.api.loadOlder(conversationId, limit);
  }

  /** Edits one of the user's messages; `mentions`/`mentionsAll`, given, replace its own. Queued in the outbox like `delete` and `react`. */
  edit(conversationId: string, messageId: string, text: string, mentions?: MentionOptions): Promise<Message | null> {
    return this.#session.change({ type: 'message.edit', conversationId, messageId, text, ...mentions });
  }

  /** Deletes a message (the user's own, or any as a group admin): it stays as a tombstone. One still in the outbox is dropped (`null`). */
  delete(conversationId: string, messageId: string): Promise<Message | null> {
    return this.#session.change({ type: 'message.delete', conversationId, messageId });
  }

  /**
   * Reacts to a message with an emoji or a short name (`'👍'`, `'+1'`). Reacting with one the user already has changes nothing; past the
   * relay's `limits.reactionsPerUserPerMessage` (1 by default) the new one replaces the user's oldest. Resolves with the message as it now
   * is.
   */
  react(conversationId: string, messageId: string, key: string): Promise<Message | null> {
    return this.#session.change({ type: 'reaction.add', conversationId, messageId, key });
  }

  /** Takes the user's reaction `key` back from a message. */
  unreact(conversationId: string, messageId: string, key: string): Promise<Message | null> {
    return this.#session.change({ type: 'reaction.remove', conversationId, messageId, key });
  }

  /** Marks everything up to `seq` (default: the newest held) as read. */
  async markRead(conversationId: string, seq?: number): Promise<void> {
    const upTo = seq ?? this.#session.conversations.get(conversationId).state.getSnapshot().messages.at(-1)?.seq ?? 0;
    await this.#session.socket.request({ type: 'receipt', conversationId, kind: 'read', seq: upTo });
    this.#session.list.refreshSoon(0);
  }

  /** Starts (renew every few seconds while typing) or stops the user's typing indicator, in the conversation or in a thread of it. */
  async setTyping(conversationId: string, active: boolean, threadId?: string): Promise<void> {
    await this.#session.socket.request({ type: 'typing', conversationId, active, threadId });
  }

  /**
   * The user's conversations, pinned first, then most recent, with last message, unread count and the user's settings (the first page of
   * 100). New messages, edits and settings move it at once; after a resume, a read, and membership or conversation changes it is fetched
   * from the relay again.
   */
  get conversations(): ReadableStore<readonly ConversationSummary[]> {
    return this.#session.list.list;
  }

  /**
   * A view of the user's conversations that the relay filters (`{ status: 'open', assigneeId: me }`, `{ assigned: false }`,
   * `{ archived: true }`), `pageSize` at a time, kept live as `client.conversations` is: a conversation that stops matching
   * leaves it, one that starts matching joins it. Close it when the view goes.
   */
  conversationQuery(filters: ConversationFilters = {}, pageSize = 30): ConversationQuery {
    return this.#session.query(filters, pageSize);
  }

  /** Unread messages across all the user's conversations, muted and archived ones left out (`inbox.totals` has conversations too). */
  get unreadTotal(): ReadableStore<number> {
    return this.#session.list.unreadTotal;
  }

  /** Who else is typing in a conversation, or (with `threadId`) in the thread of that root: each is its own. */
  typing(conversationId: string, threadId?: string): ReadableStore<readonly string[]> {
    return this.#session.typing.of(conversationId, threadId);
  }

  /** A user's presence (for users who share a conversation with this one); loaded on first use, then live. */
  presence(userId: string): ReadableStore<Presence> {
    return this.#session.presence.of(userId);
  }

  /** One page of the list; `filters` narrow it (archive, and an agent inbox's status, assignee and team). */
  listConversations(cursor?: string, filters: ConversationFilters = {}): Promise<ConversationPage> {
    return this.#session.api.list({ ...filters, cursor });
  }

  /**
   * Changes a conversation: its title, picture and metadata (a group's admins), or where it
   * stands in an agent inbox (`status`, `assigneeId`, `teamId`: any member).
   */
  updateConversation(conversationId: string, changes: UpdateConversationBody): Promise<Conversation> {
    return this.#session.api.update(conversationId, changes);
  }

  createPrivateConversation(userId: string): Promise<ConversationDetail> {
    return this.#session.api.create({ type: 'private', userId });
  }

  createGroup(options: GroupOptions = {}): Promise<ConversationDetail> {
    return this.#session.api.create({ type: 'group', ...options });
  }

  members(conversationId: string): Promise<Member[]> {
    return this.#session.api.members(conversationId);
  }

  /** Adds users to a group (admins and the owner). */
  addMembers(conversationId: string, userIds: string[], role: 'member' | 'admin' = 'member'): Promise<Member[]> {
    return this.#session.api.addMembers(conversationId, userIds, role);
  }

  /** Removes a member (admins and the owner), or leaves when `userId` is the user's own. */
  removeMember(conversationId: string, userId: string): Promise<void> {
    return this.#session.api.removeMember(conversationId, userId);
  }

  /** Per conversation, `[seq, eventSeq]`: what the client holds, for the relay's resume. */
  cursors(): Record<string, ResumeCursor> {
    return this.#session.conversations.cursors();
  }
}

export function createClient(options: ClientOptions): Chat4AllClient {
  return new Chat4AllClient(options);
}

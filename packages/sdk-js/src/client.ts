import type {
  Attachment,
  ChannelDelivery,
  ChannelPolicy,
  ContactsContent,
  ConversationDetail,
  ConversationPage,
  ConversationSummary,
  LocationContent,
  Member,
  Message,
  Metadata,
  Presence,
  PresenceEvent,
  ReactionSummary,
  ResumeCursor,
  ServerFrame,
  TypingEvent,
} from '@chat4all/protocol';
import { contentText } from '@chat4all/protocol/content';
import { EventEmitter } from 'eventemitter3';
import { ConversationCache } from './cache/conversation.js';
import { applyToList } from './cache/list.js';
import { type BackoffOptions, backoffDelay, type ConnectionState } from './connection/machine.js';
import { Socket, type WebSocketConstructor } from './connection/socket.js';
import { Chat4AllError } from './errors.js';
import { FileLinks } from './file-links.js';
import { defaultBrowserStorage } from './outbox/indexeddb.js';
import { Outbox } from './outbox/outbox.js';
import { MemoryOutboxStorage, type OutboxEntry, type OutboxFile, type OutboxStorage } from './outbox/storage.js';
import { restPath } from './rest.js';
import { type ReadableStore, Store } from './store.js';
import { FileUpload, type UploadOptions, type UploadSource } from './upload.js';
import { uuidv7 } from './uuid.js';

export interface ClientOptions {
  /** The relay's base URL, `http(s)://host:port`. */
  url: string;
  /** A fixed user token. Give this or `tokenProvider`. */
  token?: string;
  /** Returns a fresh user token; called at start, before expiry and after the relay rejects one. */
  tokenProvider?: () => string | Promise<string>;
  /** Where unsent messages survive a reload or restart. @default IndexedDBOutboxStorage in browsers, MemoryOutboxStorage elsewhere */
  storage?: OutboxStorage;
  /** WebSocket implementation, for Node 20 (`import WebSocket from 'ws'`). @default globalThis.WebSocket */
  WebSocket?: WebSocketConstructor | (new (url: string) => object);
  /** Reconnect backoff. @default { baseMs: 250, maxMs: 30000 } */
  backoff?: BackoffOptions;
  /** Newest messages to load for a conversation the client does not hold yet. @default 50 */
  newConversationMessages?: number;
  /**
   * `INTERNAL` errors the relay may answer to one message before the client marks it
   * `failed` (with `error.code: 'INTERNAL'`; `retry(id)` sends it again). @default 5
   */
  maxInternalErrors?: number;
  /** Where the client reports failures it recovers from on its own (a receipt or list refresh that failed). @default silent */
  logger?: Logger;
}

export interface Logger {
  warn(message: string, error?: unknown): void;
}

export type MessageStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

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

export interface ClientEvents {
  message: (message: Message) => void;
  typing: (event: TypingEvent) => void;
  presence: (event: PresenceEvent) => void;
  frame: (frame: ServerFrame) => void;
}

/** The views of a conversation's messages kept between changes: confirmed ones with the cache version they were checked at. */
interface ViewMemo {
  confirmed: WeakMap<Message, { item: ChatMessage; version: number }>;
  pending: WeakMap<OutboxEntry, ChatMessage>;
}

/** How many members other than the sender a message has, and how many received and read it (a contact by its channel's status). */
function receiptCounts(message: Message, members: readonly Member[], channels: readonly ChannelDelivery[]) {
  const others = members.filter((m) => m.userId !== message.senderId);
  const onChannel = (userId: string) => channels.find((d) => d.contactId === userId)?.status;
  const deliveredCount = others.filter(
    (m) => m.deliveredSeq >= message.seq || ['delivered', 'read'].includes(onChannel(m.userId) ?? ''),
  ).length;
  const readCount = others.filter((m) => m.readSeq >= message.seq || onChannel(m.userId) === 'read').length;
  return { recipients: others.length, deliveredCount, readCount };
}

/** Resumes asked on one socket before it is given up and reopened. */
const RESUME_ATTEMPTS = 5;

/** The wait an error asks for (`details.retryAfterMs`), if it names one. */
function hintedWait(error: Chat4AllError): number | undefined {
  const hinted = (error.details as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
  return typeof hinted === 'number' ? hinted : undefined;
}

/** Seconds before a token's `exp` at which the provider is asked for a new one. */
const REFRESH_MARGIN_S = 30;

/**
 * The Chat4All client. All state lives here; UIs read it through stores
 * (`subscribe` + `getSnapshot`) and change it through methods.
 */
export class Chat4AllClient extends EventEmitter<ClientEvents> {
  readonly connection: ReadableStore<ConnectionState>;
  readonly outbox: ReadableStore<readonly OutboxEntry[]>;
  /** The signed-in user's id, once the relay has said welcome. */
  userId: string | null = null;
  readonly #socket: Socket;
  readonly #outbox: Outbox;
  readonly #conversations = new Map<string, ConversationCache>();
  readonly #views = new Map<string, Store<readonly ChatMessage[]>>();
  readonly #deliveredTimers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #conversationList = new Store<readonly ConversationSummary[]>([]);
  readonly #unreadTotal = new Store(0);
  readonly #typing = new Map<string, Store<readonly string[]>>();
  readonly #presence = new Map<string, Store<Presence>>();
  #listRefresh: ReturnType<typeof setTimeout> | undefined;
  #token: { value: string; exp: number } | null = null;
  /** Uploads of file messages in the outbox, by message id. */
  readonly #uploads = new Map<string, FileUpload>();
  readonly #fileLinks: FileLinks;

  constructor(private readonly options: ClientOptions) {
    super();
    if (!options.token && !options.tokenProvider) throw new Chat4AllError('BAD_REQUEST', 'Give options.token or options.tokenProvider');
    this.#socket = new Socket({
      url: options.url,
      // Resolved when connecting, so a client can be created where there is none (server rendering).
      // `ws` and the browser's WebSocket both have the members the socket uses; their event types differ in detail only.
      WebSocket: () =>
        (options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket) as WebSocketConstructor | undefined,
      backoff: options.backoff,
      token: (refresh) => this.#currentToken(refresh),
      onOpen: (welcome) => this.#resume(welcome.userId),
      onFrame: (frame) => this.#onFrame(frame),
    });
    this.connection = this.#socket.state;
    this.#fileLinks = new FileLinks(
      (uploadId) => this.#http('POST', restPath`/v1/uploads/${uploadId}/link`),
      options.url.replace(/\/$/, ''),
    );
    this.#outbox = new Outbox({
      storage: options.storage ?? defaultBrowserStorage() ?? new MemoryOutboxStorage(),
      send: (entry) =>
        this.#socket.request({
          type: 'message.send',
          conversationId: entry.conversationId,
          message: {
            id: entry.id,
            text: entry.text,
            metadata: entry.metadata,
            replyTo: entry.replyTo,
            attachment: entry.file?.attachment ? { uploadId: entry.file.attachment.uploadId } : undefined,
            content: entry.content,
          },
        }),
      onSent: (entry, ack) => this.#confirm(entry, ack.seq, ack.createdAt),
      // The socket's backoff, full jitter: outbox retries of many clients do not land together.
      retryDelayMs: (error, attempt) => hintedWait(error) ?? backoffDelay(attempt + 1, options.backoff),
      maxInternalErrors: options.maxInternalErrors ?? 5,
    });
    this.outbox = this.#outbox.entries;
    this.#socket.state.subscribe(() => {
      const connected = this.#socket.state.getSnapshot() === 'connected';
      this.#outbox.setOnline(connected);
      if (connected) this.#refreshListSoon(0);
    });
    this.#conversationList.subscribe(() => {
      this.#unreadTotal.set(this.#conversationList.getSnapshot().reduce((sum, c) => sum + c.unreadCount, 0));
    });
    void this.#outbox.load().then(() => this.#resumeFileUploads());
    this.#watchNetwork();
  }

  /** Connects; resolves once connected and resumed, rejects if the relay refuses for good. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const state = this.#socket.state.getSnapshot();
        if (state === 'connected') {
          unsubscribe();
          resolve();
        } else if (state === 'closed') {
          unsubscribe();
          reject(this.#socket.fatalError ?? new Chat4AllError('CLIENT_CLOSED', 'The client was closed'));
        }
      };
      const unsubscribe = this.#socket.state.subscribe(check);
      this.#socket.connect();
      check();
    });
  }

  /**
   * Why the connection is `closed` when the relay refused for good: a token rejected twice,
   * `SESSION_REVOKED` (the user logged out or the login was revoked: sign in again), an
   * unsupported protocol version, a refused origin. `null` otherwise.
   */
  get connectionError(): Chat4AllError | null {
    return this.#socket.fatalError;
  }

  close(): void {
    for (const timer of this.#deliveredTimers.values()) clearTimeout(timer);
    clearTimeout(this.#listRefresh);
    this.#socket.close();
  }

  /**
   * Puts a message in the outbox (persisted first), shows it as pending, and sends it when
   * connected. `content` shares a place or contact cards (`text` may then be `''`): it goes to
   * external contacts as the platform's location or contact message.
   */
  async send(
    conversationId: string,
    text: string,
    options: { metadata?: Metadata; replyTo?: string; content?: LocationContent | ContactsContent } = {},
  ): Promise<ChatMessage> {
    const entry = await this.#outbox.add({ id: uuidv7(), conversationId, text, createdAt: Date.now(), ...options });
    return this.#pendingView(entry);
  }

  /**
   * Uploads a file into a conversation (tus, resumable) without sending a message; attach it
   * later with `sendFile`, or use `sendFile` directly.
   */
  upload(source: UploadSource, options: UploadOptions): FileUpload {
    return new FileUpload(this.#uploadTransport(), source, options);
  }

  /**
   * Sends a file message: it goes into the outbox at once (pending, in order with the other
   * messages of the conversation), the file uploads, and the message is sent once the upload
   * is complete. In browsers the file is kept in the outbox, so a reload resumes the upload
   * where it stopped. Progress, pause, resume and cancel: `uploadOf(message.id)`.
   */
  async sendFile(
    conversationId: string,
    source: UploadSource,
    options: Omit<UploadOptions, 'conversationId'> & { text?: string; metadata?: Metadata; replyTo?: string } = {},
  ): Promise<ChatMessage> {
    const { text = '', metadata, replyTo, ...upload } = options;
    const blob = typeof Blob !== 'undefined' && source instanceof Blob ? source : undefined;
    const file: OutboxFile = {
      name: upload.name ?? (blob && 'name' in blob && typeof blob.name === 'string' ? blob.name : 'file'),
      type: upload.type || blob?.type || 'application/octet-stream',
      size: blob?.size ?? (source instanceof Uint8Array ? source.byteLength : 0),
    };
    if (upload.width) file.width = upload.width;
    if (upload.height) file.height = upload.height;
    if (blob) file.blob = blob;
    const entry = await this.#outbox.add({ id: uuidv7(), conversationId, text, createdAt: Date.now(), metadata, replyTo, file });
    this.#startFileUpload(entry, source, { ...upload, name: file.name, type: file.type });
    return this.#pendingView(entry);
  }

  /**
   * A link to an uploaded file for an `<img src>`, a video or a download: a short-lived URL
   * the relay signs for this user and this file (no token in it). Reused until shortly
   * before it expires.
   */
  fileUrl(uploadId: string): Promise<string> {
    return this.#fileLinks.url(uploadId);
  }

  /** The same link as a store for a UI: `null` until it arrives, renewed before it expires while subscribed. */
  fileLink(uploadId: string): ReadableStore<string | null> {
    return this.#fileLinks.store(uploadId);
  }

  /** The upload of a file message still in the outbox. */
  uploadOf(messageId: string): FileUpload | undefined {
    return this.#uploads.get(messageId);
  }

  retry(id: string): Promise<void> {
    const entry = this.#outbox.entries.getSnapshot().find((e) => e.id === id);
    // A file whose upload failed starts its upload again (from where the relay has it).
    if (entry?.status === 'failed' && entry.file && !entry.file.attachment && entry.file.blob) {
      return this.#outbox.retry(id).then(() => this.#resumeFileUploads());
    }
    return this.#outbox.retry(id);
  }

  /** Drops a failed message, or a file message still uploading (its upload is cancelled). */
  async cancel(id: string): Promise<void> {
    await this.#uploads.get(id)?.cancel();
    this.#uploads.delete(id);
    return this.#outbox.cancel(id);
  }

  /** The messages of a conversation as the UI shows them: confirmed by seq, then the outbox's. */
  messages(conversationId: string): ReadableStore<readonly ChatMessage[]> {
    let view = this.#views.get(conversationId);
    if (!view) {
      const store = new Store<readonly ChatMessage[]>([]);
      const cache = this.#cache(conversationId);
      // Items are reused while their message and its status are unchanged: a new message costs
      // one new item, and a receipt only the items whose counts it moved.
      const memo: ViewMemo = { confirmed: new WeakMap(), pending: new WeakMap() };
      const recompute = () => store.set(this.#compose(cache, memo));
      cache.messages.subscribe(recompute);
      cache.version.subscribe(recompute);
      this.#outbox.entries.subscribe(recompute);
      recompute();
      view = store;
      this.#views.set(conversationId, view);
    }
    return view;
  }

  /**
   * What can be sent to each external contact of a conversation now: the channel it is reached
   * on, that channel's capabilities (text limit and unit, captions, file sizes…), and its window
   * (`open`, `human-agent` until when, `template-only`, `closed`, or `always`). A composer shows
   * "window closed: send a template" from it before anyone types. Changes when the contact
   * writes and when a window ends: ask again then (`useChannelPolicies` does).
   */
  async channelPolicies(conversationId: string): Promise<readonly ChannelPolicy[]> {
    const { channels } = await this.#http<{ channels: ChannelPolicy[] }>('GET', restPath`/v1/conversations/${conversationId}/channels`);
    return channels;
  }

  /**
   * Fetches a message's channel deliveries from the relay (for messages loaded from history;
   * later changes arrive live). They show in the message's `channels`.
   */
  async loadDeliveries(conversationId: string, messageId: string): Promise<readonly ChannelDelivery[]> {
    const { deliveries } = await this.#http<{ deliveries: ChannelDelivery[] }>(
      'GET',
      restPath`/v1/conversations/${conversationId}/messages/${messageId}/deliveries`,
    );
    const cache = this.#cache(conversationId);
    for (const delivery of deliveries) cache.upsertDelivery(delivery);
    return cache.deliveriesOf(messageId);
  }

  /** Loads `limit` messages older than the oldest held. */
  async loadOlder(conversationId: string, limit = 50): Promise<number> {
    const cache = this.#cache(conversationId);
    const oldest = cache.messages.getSnapshot()[0]?.seq;
    const query = oldest === undefined ? `limit=${limit}` : `before=${oldest}&limit=${limit}`;
    const page = await this.#http<{ messages: Message[] }>('GET', `${restPath`/v1/conversations/${conversationId}/messages`}?${query}`);
    cache.upsertMessages(page.messages);
    return page.messages.length;
  }

  /** Edits one of the user's messages. */
  async edit(conversationId: string, messageId: string, text: string): Promise<Message> {
    const message = await this.#socket.request({ type: 'message.edit', conversationId, messageId, text });
    this.#cache(conversationId).upsertMessages([message]);
    return message;
  }

  /** Deletes a message (the user's own, or any as a group admin): it stays as a tombstone. */
  async delete(conversationId: string, messageId: string): Promise<Message> {
    const message = await this.#socket.request({ type: 'message.delete', conversationId, messageId });
    this.#cache(conversationId).upsertMessages([message]);
    return message;
  }

  /**
   * Reacts to a message with an emoji or a short name (`'👍'`, `'+1'`). Reacting with one the
   * user already has changes nothing; past the relay's `limits.reactionsPerUserPerMessage`
   * (1 by default) the new one replaces the user's oldest. Resolves with the message as it now is.
   */
  async react(conversationId: string, messageId: string, key: string): Promise<Message> {
    return this.#reaction('reaction.add', conversationId, messageId, key);
  }

  /** Takes the user's reaction `key` back from a message. */
  async unreact(conversationId: string, messageId: string, key: string): Promise<Message> {
    return this.#reaction('reaction.remove', conversationId, messageId, key);
  }

  async #reaction(type: 'reaction.add' | 'reaction.remove', conversationId: string, messageId: string, key: string): Promise<Message> {
    const message = await this.#socket.request({ type, conversationId, messageId, key });
    this.#cache(conversationId).upsertMessages([message]);
    return message;
  }

  /** Marks everything up to `seq` (default: the newest held) as read. */
  async markRead(conversationId: string, seq?: number): Promise<void> {
    const cache = this.#cache(conversationId);
    const upTo = seq ?? cache.messages.getSnapshot().at(-1)?.seq ?? 0;
    await this.#socket.request({ type: 'receipt', conversationId, kind: 'read', seq: upTo });
    this.#refreshListSoon(0);
  }

  /** Starts (renew every few seconds while typing) or stops the user's typing indicator. */
  async setTyping(conversationId: string, active: boolean): Promise<void> {
    await this.#socket.request({ type: 'typing', conversationId, active });
  }

  /**
   * The user's conversations, most recent first, with last message and unread count (the
   * first page of 100). New messages and edits move it at once; after a resume, a read, and
   * membership or conversation changes it is fetched from the relay again.
   */
  get conversations(): ReadableStore<readonly ConversationSummary[]> {
    return this.#conversationList;
  }

  /** Unread messages across the conversation list. */
  get unreadTotal(): ReadableStore<number> {
    return this.#unreadTotal;
  }

  /** Who else is typing in a conversation. */
  typing(conversationId: string): ReadableStore<readonly string[]> {
    return this.#typingStore(conversationId);
  }

  #typingStore(conversationId: string): Store<readonly string[]> {
    let store = this.#typing.get(conversationId);
    if (!store) {
      store = new Store<readonly string[]>([]);
      this.#typing.set(conversationId, store);
    }
    return store;
  }

  /** A user's presence (for users who share a conversation with this one); loaded on first use, then live. */
  presence(userId: string): ReadableStore<Presence> {
    let store = this.#presence.get(userId);
    if (!store) {
      const created = new Store<Presence>({ userId, status: 'offline', lastSeenAt: null });
      store = created;
      this.#presence.set(userId, created);
      this.#http<{ presence: Presence[] }>('GET', restPath`/v1/presence?userIds=${userId}`).then(
        ({ presence }) => {
          const found = presence[0];
          if (found) created.set(found);
        },
        (error: unknown) => this.#warn('presence lookup failed', error),
      );
    }
    return store;
  }

  listConversations(cursor?: string): Promise<ConversationPage> {
    return this.#http('GET', `/v1/conversations${cursor ? `?cursor=${encodeURIComponent(cursor)}` : ''}`);
  }

  createPrivateConversation(userId: string): Promise<ConversationDetail> {
    return this.#http('POST', '/v1/conversations', { type: 'private', userId });
  }

  createGroup(options: { title?: string; memberIds?: string[]; metadata?: Metadata } = {}): Promise<ConversationDetail> {
    return this.#http('POST', '/v1/conversations', { type: 'group', ...options });
  }

  members(conversationId: string): Promise<Member[]> {
    return this.#http<{ members: Member[] }>('GET', restPath`/v1/conversations/${conversationId}/members`).then((r) => r.members);
  }

  /** Adds users to a group (admins and the owner). */
  addMembers(conversationId: string, userIds: string[], role: 'member' | 'admin' = 'member'): Promise<Member[]> {
    return this.#http<{ members: Member[] }>('POST', restPath`/v1/conversations/${conversationId}/members`, { userIds, role }).then(
      (r) => r.members,
    );
  }

  /** Removes a member (admins and the owner), or leaves when `userId` is the user's own. */
  async removeMember(conversationId: string, userId: string): Promise<void> {
    await this.#http('DELETE', restPath`/v1/conversations/${conversationId}/members/${userId}`);
  }

  /** Per conversation, `[seq, eventSeq]`: what the client holds, for the relay's resume. */
  cursors(): Record<string, ResumeCursor> {
    return Object.fromEntries(
      [...this.#conversations.values()].filter((c) => c.conversation || c.seq > 0).map((c) => [c.id, [c.seq, c.eventSeq]]),
    );
  }

  /**
   * Resumes on a new socket. A resume the relay rate-limits is asked again on the same socket
   * after its `retryAfterMs`, rather than by reconnecting (which would count as another).
   */
  async #resume(userId: string): Promise<void> {
    this.userId = userId;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#socket.request({
          type: 'resume',
          cursors: this.cursors(),
          newConversationMessages: this.options.newConversationMessages ?? 50,
        });
        return;
      } catch (error) {
        const limited = error instanceof Chat4AllError && error.code === 'RATE_LIMITED';
        const wait = limited ? Math.min(60_000, hintedWait(error) ?? 1000) : undefined;
        if (wait === undefined || attempt >= RESUME_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  #onFrame(frame: ServerFrame): void {
    switch (frame.type) {
      case 'conversation.created':
        this.#cache(frame.conversation.id).adopt(frame.conversation, frame.members);
        break;
      case 'message.created':
        this.#cache(frame.message.conversationId).apply(frame);
        if (frame.message.senderId !== this.userId) this.#scheduleDelivered(frame.message.conversationId);
        this.emit('message', frame.message);
        break;
      case 'typing': {
        const store = this.#typingStore(frame.conversationId);
        const others = store.getSnapshot().filter((userId) => userId !== frame.userId);
        store.set(frame.active ? [...others, frame.userId] : others);
        this.emit('typing', frame);
        break;
      }
      case 'presence':
        this.#presence.get(frame.userId)?.set({ userId: frame.userId, status: frame.status, lastSeenAt: frame.lastSeenAt });
        this.emit('presence', frame);
        break;
      default:
        if ('conversationId' in frame && typeof frame.conversationId === 'string') this.#cache(frame.conversationId).apply(frame);
        else if ('message' in frame && frame.message) this.#cache(frame.message.conversationId).apply(frame);
        else if (frame.type === 'conversation.updated') this.#cache(frame.conversation.id).apply(frame);
    }
    this.#followList(frame);
    this.emit('frame', frame);
  }

  /** The list follows the frames it can by itself (new messages, edits); for the rest it asks the relay. */
  #followList(frame: ServerFrame): void {
    const list = this.#conversationList.getSnapshot();
    const next = applyToList(list, frame, this.userId);
    if (next === null) this.#refreshListSoon(100);
    else if (next !== list) this.#conversationList.set(next);
  }

  /** The list's last messages and unread counts come from the relay, which has them exact; one call per burst of changes. */
  #refreshListSoon(delayMs: number): void {
    if (this.#listRefresh) return;
    this.#listRefresh = setTimeout(() => {
      this.#listRefresh = undefined;
      this.#http<ConversationPage>('GET', '/v1/conversations?limit=100').then(
        (page) => this.#conversationList.set(page.conversations),
        (error: unknown) => this.#warn('conversation list refresh failed', error),
      );
    }, delayMs);
  }

  /** Tells the relay, once per burst, that this device has received up to the newest message held. */
  #scheduleDelivered(conversationId: string): void {
    if (this.#deliveredTimers.has(conversationId)) return;
    this.#deliveredTimers.set(
      conversationId,
      setTimeout(() => {
        this.#deliveredTimers.delete(conversationId);
        const seq = this.#cache(conversationId).seq;
        this.#socket
          .request({ type: 'receipt', conversationId, kind: 'delivered', seq })
          .catch((error: unknown) => this.#warn('delivered receipt failed', error));
      }, 50),
    );
  }

  #uploadTransport() {
    return { url: this.options.url.replace(/\/$/, ''), token: (refresh: boolean) => this.#currentToken(refresh) };
  }

  #startFileUpload(entry: OutboxEntry, source: UploadSource, options: Omit<UploadOptions, 'conversationId'>): void {
    const file = entry.file as OutboxFile;
    const upload = new FileUpload(
      this.#uploadTransport(),
      source,
      { ...options, conversationId: entry.conversationId },
      { onUrl: (uploadUrl) => void this.#outbox.update(entry.id, { file: { ...this.#fileOf(entry.id, file), uploadUrl } }) },
      file.uploadUrl,
    );
    this.#uploads.set(entry.id, upload);
    upload.done.then(
      (info) => {
        const { id: uploadId, name, type, size, sha256, width, height } = info;
        const attachment: Attachment = { uploadId, name, type, size, sha256: sha256 ?? '', width, height };
        return this.#outbox.update(entry.id, { file: { ...this.#fileOf(entry.id, file), attachment } });
      },
      (error: Chat4AllError) => {
        if (error.code === 'CANCELLED') return;
        return this.#outbox.fail(entry.id, { code: error.code, message: error.message, retryable: error.retryable });
      },
    );
  }

  /** The latest file state of an outbox entry (its upload URL may have been stored since). */
  #fileOf(id: string, fallback: OutboxFile): OutboxFile {
    return this.#outbox.entries.getSnapshot().find((e) => e.id === id)?.file ?? fallback;
  }

  /** File messages a previous page or session left uploading: resume those whose bytes were kept. */
  #resumeFileUploads(): void {
    for (const entry of this.#outbox.entries.getSnapshot()) {
      const file = entry.file;
      if (entry.status !== 'pending' || !file || file.attachment || this.#uploads.has(entry.id)) continue;
      if (!(typeof Blob !== 'undefined' && file.blob instanceof Blob)) continue;
      this.#startFileUpload(entry, file.blob, { name: file.name, type: file.type, width: file.width, height: file.height });
    }
  }

  #confirm(entry: OutboxEntry, seq: number, createdAt: string): void {
    this.#uploads.delete(entry.id);
    const message = { ...this.#messageOf(entry), seq, createdAt };
    this.#cache(entry.conversationId).upsertMessages([message]);
    // The sender's own socket gets the ack, not the message: the list follows it here.
    this.#followList({ type: 'message.created', message });
  }

  /** The message an outbox entry becomes, as the relay stores it (a place or contact cards without text read as their own text). */
  #messageOf(entry: OutboxEntry): Omit<Message, 'seq'> {
    return {
      id: entry.id,
      conversationId: entry.conversationId,
      senderId: this.userId,
      kind: entry.file ? 'file' : (entry.content?.type ?? 'text'),
      text: entry.text === '' && entry.content ? contentText(entry.content) : entry.text,
      metadata: entry.metadata ?? {},
      attachment: entry.file?.attachment ?? null,
      content: entry.content ?? null,
      replyTo: entry.replyTo ?? null,
      reactions: [],
      createdAt: new Date(entry.createdAt).toISOString(),
      editedAt: null,
      deletedAt: null,
    };
  }

  #cache(conversationId: string): ConversationCache {
    let cache = this.#conversations.get(conversationId);
    if (!cache) {
      cache = new ConversationCache(conversationId);
      this.#conversations.set(conversationId, cache);
    }
    return cache;
  }

  #compose(cache: ConversationCache, memo: ViewMemo): ChatMessage[] {
    const members = [...cache.members.values()];
    const version = cache.version.getSnapshot();
    const confirmed = cache.messages.getSnapshot().map((message) => {
      const held = memo.confirmed.get(message);
      // Members' horizons and channel statuses unchanged since: the item stands.
      if (held && held.version === version) return held.item;
      const channels = cache.deliveriesOf(message.id);
      const counts = receiptCounts(message, members, channels);
      const same =
        held &&
        held.item.channels === channels &&
        held.item.recipients === counts.recipients &&
        held.item.deliveredCount === counts.deliveredCount &&
        held.item.readCount === counts.readCount;
      const item = same ? held.item : this.#confirmedView(message, counts, channels);
      memo.confirmed.set(message, { item, version });
      return item;
    });
    const ids = new Set(confirmed.map((m) => m.id));
    const pending = this.#outbox.entries
      .getSnapshot()
      .filter((entry) => entry.conversationId === cache.id && !ids.has(entry.id))
      .map((entry) => {
        let item = memo.pending.get(entry);
        if (!item) {
          item = this.#pendingView(entry);
          memo.pending.set(entry, item);
        }
        return item;
      });
    return [...confirmed, ...pending];
  }

  /** A confirmed message with its status from the other members' horizons: read or delivered once all of them are. */
  #confirmedView(message: Message, counts: ReturnType<typeof receiptCounts>, channels: readonly ChannelDelivery[]): ChatMessage {
    const { recipients, deliveredCount, readCount } = counts;
    const status: MessageStatus =
      recipients > 0 && readCount === recipients ? 'read' : recipients > 0 && deliveredCount === recipients ? 'delivered' : 'sent';
    const me = this.userId;
    const reactions = message.reactions.map((r) => ({ ...r, mine: me !== null && r.userIds.includes(me) }));
    return { ...message, reactions, status, recipients, deliveredCount, readCount, channels };
  }

  #pendingView(entry: OutboxEntry): ChatMessage {
    const view: ChatMessage = {
      ...this.#messageOf(entry),
      seq: null,
      reactions: [],
      status: entry.status === 'failed' ? 'failed' : 'pending',
      recipients: 0,
      deliveredCount: 0,
      readCount: 0,
      channels: [],
    };
    if (entry.error) view.error = entry.error;
    if (entry.file && !entry.file.attachment) view.pendingFile = { name: entry.file.name, type: entry.file.type, size: entry.file.size };
    return view;
  }

  async #currentToken(refresh: boolean): Promise<string> {
    const now = Date.now() / 1000;
    if (this.#token && !refresh && (this.#token.exp === 0 || this.#token.exp - REFRESH_MARGIN_S > now)) return this.#token.value;
    const value = this.options.tokenProvider ? await this.options.tokenProvider() : (this.options.token as string);
    const claims = claimsOf(value);
    this.#token = { value, exp: typeof claims.exp === 'number' ? claims.exp : 0 };
    // Known from the token before any welcome, so messages written offline show as the user's own.
    if (this.userId === null && typeof claims.sub === 'string') {
      this.userId = claims.sub;
      // Views built before we knew who we are show pending messages as someone else's: rebuild them.
      for (const cache of this.#conversations.values()) cache.version.set(cache.version.getSnapshot() + 1);
    }
    return value;
  }

  async #http<T>(method: string, path: string, body?: unknown, refreshed = false): Promise<T> {
    const response = await fetch(`${this.options.url.replace(/\/$/, '')}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await this.#currentToken(refreshed)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const payload = text ? (JSON.parse(text) as unknown) : undefined;
    if (response.ok) return payload as T;
    const error = Chat4AllError.fromBody(payload as Parameters<typeof Chat4AllError.fromBody>[0]);
    if (error.code === 'TOKEN_EXPIRED' && !refreshed && this.options.tokenProvider) return this.#http(method, path, body, true);
    throw error;
  }

  #warn(message: string, error: unknown): void {
    this.options.logger?.warn(message, error);
  }

  /**
   * Browser hints: go offline at once when the platform says so, reconnect when it is back,
   * and skip the rest of a backoff wait when the page becomes visible again.
   */
  #watchNetwork(): void {
    const target = globalThis as { addEventListener?: (type: string, listener: () => void) => void };
    if (typeof target.addEventListener !== 'function' || typeof (globalThis as { navigator?: unknown }).navigator === 'undefined') return;
    target.addEventListener('offline', () => this.#socket.setOnline(false));
    target.addEventListener('online', () => this.#socket.setOnline(true));
    const page = (globalThis as { document?: { visibilityState: string; addEventListener(type: string, listener: () => void): void } })
      .document;
    page?.addEventListener('visibilitychange', () => {
      if (page.visibilityState === 'visible') this.#socket.retryNow();
    });
  }
}

/** The claims of a JWT, unverified (the relay verifies); empty when it cannot be read. */
function claimsOf(token: string): { exp?: unknown; sub?: unknown } {
  try {
    const payload = token.split('.')[1] ?? '';
    return JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: unknown; sub?: unknown };
  } catch {
    return {};
  }
}

export function createClient(options: ClientOptions): Chat4AllClient {
  return new Chat4AllClient(options);
}

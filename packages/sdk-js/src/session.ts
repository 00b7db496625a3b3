import type { Message, SendAck, ServerFrame } from '@chat4all/protocol';
import type { EventEmitter } from 'eventemitter3';
import { TokenSource } from './auth/token-source.js';
import { Conversations } from './cache/conversations.js';
import { ConversationList } from './cache/list.js';
import { LiveConversationQuery } from './cache/query.js';
import { backoffDelay } from './connection/machine.js';
import { watchNetwork } from './connection/network.js';
import { resumeOnSocket } from './connection/resume.js';
import { Socket, type WebSocketConstructor } from './connection/socket.js';
import { ConversationApi, type ConversationFilters } from './conversation-api.js';
import { type Chat4AllError, hintedWait } from './errors.js';
import type { ClientEvents } from './events.js';
import { FileLinks } from './file-links.js';
import { FileMessages } from './file-messages.js';
import { createInbox, type Inbox } from './inbox.js';
import { MessageViews } from './messages/views.js';
import type { ClientOptions } from './options.js';
import { defaultBrowserStorage } from './outbox/indexeddb.js';
import { messageOf, sendFrameOf } from './outbox/message.js';
import { Outbox } from './outbox/outbox.js';
import { MemoryOutboxStorage, type MessageChange, type OutboxEntry } from './outbox/storage.js';
import { type Pins, pinsOf } from './pins.js';
import { type PresenceStores, presenceStores } from './presence.js';
import { type Push, pushOf } from './push.js';
import { DeliveredReceipts } from './receipts.js';
import { Rest, restPath } from './rest.js';
import { createSearch, type Search } from './search.js';
import { TypingStores } from './typing.js';
import { createUsers, type Users } from './users.js';
import { uuidv7 } from './uuid.js';

/** The client as the session sees it: who the user is, and where frames are announced. */
export interface SessionOwner {
  userId: string | null;
  emit: EventEmitter<ClientEvents>['emit'];
}

export type { MessageChange } from './outbox/storage.js';

/**
 * One user's session with a relay: the modules a client is made of, wired together. The socket's frames reach the caches
 * and stores they change, the outbox sends over the socket and its acks become messages, a new socket resumes from the
 * caches' cursors, and the token the user is signed in with says who they are before any welcome.
 */
export class Session {
  readonly rest: Rest;
  readonly socket: Socket;
  readonly outbox: Outbox;
  readonly files: FileMessages;
  readonly fileLinks: FileLinks;
  readonly conversations = new Conversations();
  readonly api: ConversationApi;
  readonly views: MessageViews;
  readonly list: ConversationList;
  /** The filtered views of the list the app has open. */
  readonly #queries = new Set<LiveConversationQuery>();
  readonly #warn: (message: string, error: unknown) => void;
  readonly inbox: Inbox;
  readonly search: Search;
  readonly users: Users;
  readonly typing = new TypingStores();
  readonly presence: PresenceStores;
  readonly pins: Pins;
  readonly push: Push;
  readonly #delivered: DeliveredReceipts;
  readonly #options: ClientOptions;
  readonly #owner: SessionOwner;
  /** How to settle the promise of each change queued in this session. */
  readonly #changes = new Map<string, (message: Message | null, error: Chat4AllError | null) => void>();

  constructor(options: ClientOptions, owner: SessionOwner) {
    this.#options = options;
    this.#owner = owner;
    const warn = (message: string, error: unknown) => options.logger?.warn(message, error);
    this.#warn = warn;
    const tokens = new TokenSource({ ...options, onUser: (userId) => this.#knowUser(userId) });
    const token = (refresh: boolean) => tokens.current(refresh);
    const rest = new Rest(options.url, tokens);
    const socket = new Socket({
      url: options.url,
      // Looked up when connecting, so a client can be created where there is none (server rendering). `ws` and the
      // browser's WebSocket both have the members the socket uses; their event types differ in detail only.
      WebSocket: () =>
        (options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket) as WebSocketConstructor | undefined,
      backoff: options.backoff,
      token,
      onOpen: (welcome) => this.#resume(welcome.userId),
      onFrame: (frame) => this.#onFrame(frame),
    });
    const outbox = new Outbox({
      storage: options.storage ?? defaultBrowserStorage() ?? new MemoryOutboxStorage(),
      send: (entry) => socket.request(entry.change ?? sendFrameOf(entry)) as Promise<SendAck | Message>,
      onSent: (entry, ack) =>
        entry.change ? this.#settle(entry, ack as Message) : this.#confirm(entry, (ack as SendAck).seq, ack.createdAt),
      onDropped: (entry, error) => {
        if (error) owner.emit('error', error, entry);
        // A file message deleted before it was sent: its upload stops too.
        if (entry.file) void this.files.cancel(entry.id);
        this.#settle(entry, null, error);
      },
      // The socket's backoff, full jitter: outbox retries of many clients do not land together.
      retryDelayMs: (error, attempt) => hintedWait(error) ?? backoffDelay(attempt + 1, options.backoff),
      maxInternalErrors: options.maxInternalErrors ?? 5,
    });
    this.rest = rest;
    this.socket = socket;
    this.outbox = outbox;
    this.api = new ConversationApi(rest, this.conversations);
    this.views = new MessageViews(this.conversations, outbox.entries, () => owner.userId);
    this.files = new FileMessages(outbox, { url: rest.baseUrl, token });
    this.fileLinks = new FileLinks((uploadId) => rest.request('POST', restPath`/v1/uploads/${uploadId}/link`), rest.baseUrl);
    this.list = new ConversationList(rest, socket.state, warn);
    this.inbox = createInbox(rest, this.list.totals);
    this.search = createSearch(rest);
    this.users = createUsers(rest, warn);
    this.presence = presenceStores(socket, warn);
    this.pins = pinsOf(rest, socket, this.conversations, warn);
    this.push = pushOf(rest);
    const newest = (conversationId: string) => this.conversations.get(conversationId).state.getSnapshot().seq;
    this.#delivered = new DeliveredReceipts(
      (conversationId) => socket.request({ type: 'receipt', conversationId, kind: 'delivered', seq: newest(conversationId) }),
      warn,
    );
    socket.state.subscribe(() => outbox.setOnline(socket.state.getSnapshot() === 'connected'));
    watchNetwork(socket);
  }

  /**
   * Queues an edit, a delete or a reaction in the outbox, in order with the conversation's messages; resolves with the message as the
   * relay answers it (the cache then holds it), or `null` when its message was dropped unsent.
   */
  change(change: MessageChange): Promise<Message | null> {
    const id = uuidv7();
    return new Promise((resolve, reject) => {
      this.#changes.set(id, (message, error) => (error ? reject(error) : resolve(message)));
      this.outbox.add({ id, conversationId: change.conversationId, text: '', createdAt: Date.now(), change }).catch(reject);
    });
  }

  /** Ends a change's promise; the message the relay answered goes to the cache. */
  #settle(entry: OutboxEntry, message: Message | null, error: Chat4AllError | null = null): void {
    if (message) this.conversations.dispatch(entry.conversationId, { type: 'messages', messages: [message] });
    this.#changes.get(entry.id)?.(message, error);
    this.#changes.delete(entry.id);
  }

  /** A filtered view of the user's conversations, kept live until closed. */
  query(filters: ConversationFilters, pageSize: number): LiveConversationQuery {
    const query: LiveConversationQuery = new LiveConversationQuery(this.rest, filters, pageSize, this.socket.state, this.#warn, () =>
      this.#queries.delete(query),
    );
    this.#queries.add(query);
    return query;
  }

  close(): void {
    this.#delivered.close();
    for (const query of [...this.#queries]) query.close();
    this.list.close();
    this.socket.close();
  }

  #resume(userId: string): Promise<void> {
    this.#owner.userId = userId;
    const newConversationMessages = this.#options.newConversationMessages ?? 50;
    return resumeOnSocket(() => this.socket.request({ type: 'resume', cursors: this.conversations.cursors(), newConversationMessages }));
  }

  #onFrame(frame: ServerFrame): void {
    this.conversations.apply(frame);
    if (frame.type === 'message.created') {
      if (frame.message.senderId !== this.#owner.userId) this.#delivered.schedule(frame.message.conversationId);
      this.#owner.emit('message', frame.message);
    } else if (frame.type === 'typing') {
      this.typing.apply(frame);
      this.#owner.emit('typing', frame);
    } else if (frame.type === 'presence') {
      this.presence.apply(frame);
      this.#owner.emit('presence', frame);
    }
    this.list.follow(frame, this.#owner.userId);
    for (const query of this.#queries) query.follow(frame, this.#owner.userId);
    this.#owner.emit('frame', frame);
  }

  #confirm(entry: OutboxEntry, seq: number, createdAt: string): void {
    this.files.sent(entry.id);
    const message = { ...messageOf(entry, this.#owner.userId), seq, createdAt };
    this.conversations.dispatch(entry.conversationId, { type: 'messages', messages: [message] });
    // The sender's own socket gets the ack, not the message: the list follows it here.
    this.list.follow({ type: 'message.created', message }, this.#owner.userId);
    for (const query of this.#queries) query.follow({ type: 'message.created', message }, this.#owner.userId);
  }

  /** Known from the token before any welcome, so messages written offline show as the user's own. */
  #knowUser(userId: string): void {
    if (this.#owner.userId !== null) return;
    this.#owner.userId = userId;
    // Views built before we knew who we are show pending messages as someone else's: rebuild them.
    this.conversations.recheck();
  }
}

import type {
  ChannelDelivery,
  ChannelPolicy,
  ChatMessage,
  ChatReaction,
  ConnectionState,
  ConversationFilters,
  ConversationQuery,
  ConversationQueryState,
  ConversationSettings,
  ConversationSummary,
  FileUpload,
  Member,
  MentionOptions,
  MessageStatus,
  Pin,
  PinOptions,
  Presence,
  ReadableStore,
  SearchFilters,
  SearchResult,
  SendOptions,
  Thread,
  ThreadState,
  UnreadTotal,
  UploadOptions,
  UploadProgress,
  UploadSource,
  User,
} from '@chat4all/sdk-js';
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore } from 'react';
import { useChatClient } from './context.js';

/**
 * Binds a store. The server snapshot is the store's own (empty until connected), so server
 * and first client render agree.
 */
function useStore<T>(store: ReadableStore<T>): T {
  return useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);
}

/** Binds a slice of a store; the component re-renders only when the slice changes (by `Object.is`). */
function useSlice<T, S>(store: ReadableStore<T>, select: (value: T) => S): S {
  const getSlice = useCallback(() => select(store.getSnapshot()), [store, select]);
  return useSyncExternalStore(store.subscribe, getSlice, getSlice);
}

export function useConnectionState(): ConnectionState {
  return useStore(useChatClient().connection);
}

/** The conversation list, most recent first, with last message and unread count. */
export function useConversations(): readonly ConversationSummary[] {
  return useStore(useChatClient().conversations);
}

const NO_RESULTS: readonly SearchResult[] = [];

/**
 * The messages matching what the user types, newest first (`client.search`), asked
 * `debounceMs` after the last change; nothing for an empty query. A failed search leaves
 * no results and says why in `error`.
 */
export function useMessageSearch(
  query: string,
  filters: SearchFilters = {},
  debounceMs = 250,
): { results: readonly SearchResult[]; loading: boolean; error: Error | null } {
  const client = useChatClient();
  const key = JSON.stringify(filters);
  const [state, setState] = useState<{ results: readonly SearchResult[]; loading: boolean; error: Error | null }>({
    results: NO_RESULTS,
    loading: false,
    error: null,
  });
  useEffect(() => {
    if (!query.trim()) {
      setState({ results: NO_RESULTS, loading: false, error: null });
      return;
    }
    let live = true;
    setState((current) => ({ ...current, loading: true }));
    const timer = setTimeout(() => {
      client.search(query, JSON.parse(key) as SearchFilters).then(
        (page) => live && setState({ results: page.results, loading: false, error: null }),
        (error: unknown) => live && setState({ results: NO_RESULTS, loading: false, error: error as Error }),
      );
    }, debounceMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, query, key, debounceMs]);
  return state;
}

const NO_QUERY: ConversationQueryState = { conversations: [], hasMore: false, loading: true, error: null };
const NO_STORE: ReadableStore<ConversationQueryState> = { subscribe: () => () => undefined, getSnapshot: () => NO_QUERY };

/**
 * A view of the user's conversations that the relay filters (an agent inbox's `{ status: 'open', assigned: false }`, the
 * archive), kept live: its conversations, whether there are more, and `loadMore()`. Opened with the component, closed with it.
 */
export function useConversationQuery(
  filters: ConversationFilters,
  pageSize = 30,
): ConversationQueryState & { loadMore: () => Promise<void> } {
  const client = useChatClient();
  const key = `${JSON.stringify(filters)} ${pageSize}`;
  const [opened, setOpened] = useState<{ key: string; query: ConversationQuery } | null>(null);
  useEffect(() => {
    const query = client.conversationQuery(JSON.parse(key.slice(0, key.lastIndexOf(' '))) as ConversationFilters, pageSize);
    setOpened({ key, query });
    return () => query.close();
  }, [client, key, pageSize]);
  // Until the view for these filters is open, nothing: never the last filters' conversations.
  const query = opened?.key === key ? opened.query : null;
  const state = useStore(query?.state ?? NO_STORE);
  const loadMore = useCallback(() => query?.loadMore() ?? Promise.resolve(), [query]);
  return { ...state, loadMore };
}

/** One conversation from the list, or `undefined` while it is not loaded. */
export function useConversation(conversationId: string): ConversationSummary | undefined {
  const select = useCallback((list: readonly ConversationSummary[]) => list.find((c) => c.id === conversationId), [conversationId]);
  return useSlice(useChatClient().conversations, select);
}

/** A conversation's messages (confirmed, then pending), and `loadOlder` to page history in. */
export function useMessages(conversationId: string): { messages: readonly ChatMessage[]; loadOlder: (limit?: number) => Promise<number> } {
  const client = useChatClient();
  const store = useMemo(() => client.messages(conversationId), [client, conversationId]);
  const messages = useStore(store);
  const loadOlder = useCallback((limit?: number) => client.loadOlder(conversationId, limit), [client, conversationId]);
  return { messages, loadOlder };
}

/**
 * A thread of a conversation (by its root's id): the root then its replies, live; the user's `loaded`, `hasOlder`, `readSeq`
 * and `unreadCount` in it; `loadOlder`/`loadNewer` to page, `send` to reply (`showInConversation` also sends it to the
 * conversation) and `markRead`. The first page is asked of the relay on first use.
 */
export function useThread(conversationId: string, rootId: string): ThreadView {
  const thread = useChatClient().thread(conversationId, rootId);
  const messages = useStore(thread.messages);
  const state = useStore(thread.state);
  const { loadOlder, loadNewer, send, markRead } = thread;
  return { ...state, messages, loadOlder, loadNewer, send, markRead };
}

const NOT_A_THREAD: ThreadState = { loaded: true, hasOlder: false, readSeq: 0, unreadCount: 0 };
const NO_THREAD: ReadableStore<ThreadState> = { subscribe: () => () => {}, getSnapshot: () => NOT_A_THREAD };

/** For `MessageList`: a conversation's messages or (with `rootId`) a thread's, with whether older ones remain and `loadOlder`. */
export function useMessageLog(conversationId: string, rootId?: string) {
  const client = useChatClient();
  const thread = rootId ? client.thread(conversationId, rootId) : null;
  const messages = useStore(thread?.messages ?? client.messages(conversationId));
  const threadState = useStore(thread?.state ?? NO_THREAD);
  const hasOlder = thread ? threadState.hasOlder : (messages[0]?.seq ?? 1) > 1;
  return { messages, hasOlder, loadOlder: () => (thread ? thread.loadOlder() : client.loadOlder(conversationId)) };
}

/** A thread as `useThread` gives it. */
export type ThreadView = ThreadState & Pick<Thread, 'loadOlder' | 'loadNewer' | 'send' | 'markRead'> & { messages: readonly ChatMessage[] };

/** A stable function that puts a message in the outbox of a conversation. */
export function useSendMessage(conversationId: string) {
  const client = useChatClient();
  return useCallback(
    (text: string, options?: Pick<SendOptions, 'metadata' | 'replyTo' | 'threadId' | 'showInConversation'> & MentionOptions) =>
      client.send(conversationId, text, options),
    [client, conversationId],
  );
}

/** A stable function that sends a file message (the file uploads first; see `Chat4AllClient.sendFile`). */
export function useSendFile(conversationId: string) {
  const client = useChatClient();
  return useCallback(
    (source: UploadSource, options?: Omit<UploadOptions, 'conversationId'> & { text?: string; metadata?: Record<string, unknown> }) =>
      client.sendFile(conversationId, source, options),
    [client, conversationId],
  );
}

const NO_UPLOAD: ReadableStore<UploadProgress | undefined> = { subscribe: () => () => {}, getSnapshot: () => undefined };

/**
 * An upload's progress (status, bytes sent, total) with `pause`, `resume` and `cancel`: give
 * a `FileUpload`, or the id of a file message of this user's still in the outbox.
 * `progress` is `undefined` when there is no such upload (any more).
 */
export function useUpload(upload: FileUpload | string | undefined): {
  progress: UploadProgress | undefined;
  pause: () => void;
  resume: () => void;
  cancel: () => Promise<void>;
} {
  const client = useChatClient();
  const found = typeof upload === 'string' ? client.uploadOf(upload) : upload;
  const progress = useStore<UploadProgress | undefined>(found?.progress ?? NO_UPLOAD);
  const pause = useCallback(() => found?.pause(), [found]);
  const resume = useCallback(() => found?.resume(), [found]);
  const cancel = useCallback(
    () => (typeof upload === 'string' ? client.cancel(upload) : (found?.cancel() ?? Promise.resolve())),
    [client, upload, found],
  );
  return { progress, pause, resume, cancel };
}

/** A signed link to an uploaded file for `<img src>` or a download (`null` until it arrives); renewed before it expires. */
export function useFileUrl(uploadId: string): string | null {
  const client = useChatClient();
  return useStore(useMemo(() => client.fileLink(uploadId), [client, uploadId]));
}

/** One message's status; re-renders only when it changes. */
export function useMessageStatus(conversationId: string, messageId: string): MessageStatus | undefined {
  const client = useChatClient();
  const store = useMemo(() => client.messages(conversationId), [client, conversationId]);
  const select = useCallback((messages: readonly ChatMessage[]) => messages.find((m) => m.id === messageId)?.status, [messageId]);
  return useSlice(store, select);
}

/**
 * Where one message stands on each external contact's channel (WhatsApp, Telegram…): status,
 * platform error, history. Empty for conversations without contacts.
 */
export function useChannelDeliveries(conversationId: string, messageId: string): readonly ChannelDelivery[] {
  const client = useChatClient();
  const store = useMemo(() => client.messages(conversationId), [client, conversationId]);
  const select = useCallback(
    (messages: readonly ChatMessage[]) => messages.find((m) => m.id === messageId)?.channels ?? NO_CHANNELS,
    [messageId],
  );
  return useSlice(store, select);
}

const NO_CHANNELS: readonly ChannelDelivery[] = [];

/**
 * One message's reactions (who, how many, and whether they include the signed-in user), with
 * `toggle(key)` to add the user's reaction or take it back. Re-renders only when they change.
 */
export function useReactions(
  conversationId: string,
  messageId: string,
): {
  reactions: readonly ChatReaction[];
  react: (key: string) => Promise<unknown>;
  unreact: (key: string) => Promise<unknown>;
  toggle: (key: string) => Promise<unknown>;
} {
  const client = useChatClient();
  const store = useMemo(() => client.messages(conversationId), [client, conversationId]);
  const select = useCallback(
    (messages: readonly ChatMessage[]) => messages.find((m) => m.id === messageId)?.reactions ?? NO_REACTIONS,
    [messageId],
  );
  const reactions = useSlice(store, select);
  return useMemo(() => {
    const react = (key: string) => client.react(conversationId, messageId, key);
    const unreact = (key: string) => client.unreact(conversationId, messageId, key);
    const toggle = (key: string) => (reactions.some((r) => r.key === key && r.mine) ? unreact(key) : react(key));
    return { reactions, react, unreact, toggle };
  }, [client, conversationId, messageId, reactions]);
}

const NO_REACTIONS: readonly ChatReaction[] = [];

/**
 * What can be sent to each external contact of a conversation now (its channel, the
 * channel's capabilities, and the window: `open`, `human-agent`, `template-only`, `closed` or
 * `always`), for a composer to say "window closed: send a template" before anyone types.
 * Asked again when a contact writes in the conversation and when a window ends.
 */
export function useChannelPolicies(conversationId: string): readonly ChannelPolicy[] {
  const client = useChatClient();
  const [policies, setPolicies] = useState<readonly ChannelPolicy[]>(NO_POLICIES);
  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = () => {
      client.channelPolicies(conversationId).then(
        (next) => {
          if (!current) return;
          setPolicies(next);
          // The next window to end changes the state: ask again just after it.
          clearTimeout(timer);
          const ends = next.flatMap((p) => [p.windowOpenUntil, p.humanAgentUntil]).map((at) => (at ? Date.parse(at) - Date.now() : -1));
          const soonest = Math.min(...ends.filter((ms) => ms > 0));
          if (Number.isFinite(soonest)) timer = setTimeout(load, Math.min(soonest + 1000, 2_147_483_647));
        },
        () => {},
      );
    };
    const onMessage = (message: { conversationId: string; senderId: string | null }) => {
      if (message.conversationId === conversationId && message.senderId?.startsWith('contact:')) load();
    };
    load();
    client.on('message', onMessage);
    return () => {
      current = false;
      clearTimeout(timer);
      client.off('message', onMessage);
    };
  }, [client, conversationId]);
  return policies;
}

const NO_POLICIES: readonly ChannelPolicy[] = [];

/**
 * A conversation's current pins, newest first (who pinned each, when, until when, and the message), live; with `pin` and
 * `unpin` (group owners and admins; both members of a private conversation).
 */
export function usePins(conversationId: string): {
  pins: readonly Pin[];
  pin: (messageId: string, options?: PinOptions) => Promise<Pin>;
  unpin: (messageId: string) => Promise<void>;
} {
  const client = useChatClient();
  const pins = useStore(useMemo(() => client.pins(conversationId), [client, conversationId]));
  const pin = useCallback(
    (messageId: string, options?: PinOptions) => client.pin(conversationId, messageId, options),
    [client, conversationId],
  );
  const unpin = useCallback((messageId: string) => client.unpin(conversationId, messageId), [client, conversationId]);
  return useMemo(() => ({ pins, pin, unpin }), [pins, pin, unpin]);
}

/** Ids of the other users typing in a conversation, or (with `threadId`) in the thread of that root. */
export function useTyping(conversationId: string, threadId?: string): readonly string[] {
  const client = useChatClient();
  return useStore(useMemo(() => client.typing(conversationId, threadId), [client, conversationId, threadId]));
}

/** A user's presence: online, away or offline with last-seen. */
export function usePresence(userId: string): Presence {
  const client = useChatClient();
  return useStore(useMemo(() => client.presence(userId), [client, userId]));
}

/** Unread messages in one conversation, or across the list when no id is given. */
export function useUnreadCount(conversationId?: string): number {
  const client = useChatClient();
  const select = useCallback(
    (list: readonly ConversationSummary[]) => list.find((c) => c.id === conversationId)?.unreadCount ?? 0,
    [conversationId],
  );
  const one = useSlice(client.conversations, select);
  const total = useStore(client.unreadTotal);
  return conversationId === undefined ? total : one;
}

const NO_MEMBERS: readonly Member[] = [];

/** A conversation's members, fetched once per conversation (none while loading, or for `null`): who a composer offers to mention. */
export function useMembers(conversationId: string | null): readonly Member[] {
  const client = useChatClient();
  const [members, setMembers] = useState<{ of: string | null; list: readonly Member[] }>({ of: null, list: NO_MEMBERS });
  useEffect(() => {
    let current = true;
    if (conversationId)
      client.members(conversationId).then(
        (list) => current && setMembers({ of: conversationId, list }),
        () => {},
      );
    return () => {
      current = false;
    };
  }, [client, conversationId]);
  return members.of === conversationId ? members.list : NO_MEMBERS;
}

/** The user's own settings for a listed conversation (muted until, archived, pinned, marked unread); change them with `useChatClient().inbox`. */
export function useConversationSettings(conversationId: string): ConversationSettings | undefined {
  const select = useCallback(
    (list: readonly ConversationSummary[]) => list.find((c) => c.id === conversationId)?.settings,
    [conversationId],
  );
  return useSlice(useChatClient().conversations, select);
}

/** Unread messages and conversations across all the user's conversations, muted and archived ones left out, as the relay counts them. */
export function useUnreadTotal(): UnreadTotal {
  return useStore(useChatClient().inbox.totals);
}

/** A user's profile (display name, avatar), loaded once per client and shared by every component that asks; null while it loads. */
export function useUser(userId: string | null | undefined): User | null {
  const client = useChatClient();
  const store = useMemo(() => (userId ? client.users.get(userId) : NO_USER), [client, userId]);
  return useStore(store);
}

const NO_USER: ReadableStore<User | null> = { subscribe: () => () => {}, getSnapshot: () => null };

/**
 * The app's user directory as the user types: the first page of users whose display name, a
 * word of it, or id starts with `query`, asked `delayMs` after the last change (and not for an
 * empty query unless `includeEmpty`).
 */
export function useUserSearch(
  query: string,
  { delayMs = 200, limit = 20, includeEmpty = false }: { delayMs?: number; limit?: number; includeEmpty?: boolean } = {},
): { users: readonly User[]; loading: boolean; error: Error | null } {
  const client = useChatClient();
  const [state, setState] = useState<{ for: string | null; users: readonly User[]; error: Error | null }>({
    for: null,
    users: [],
    error: null,
  });
  const wanted = query.trim();
  const asks = wanted !== '' || includeEmpty;
  useEffect(() => {
    if (!asks) return;
    let current = true;
    const timer = setTimeout(() => {
      client.users.search(wanted, { limit }).then(
        (page) => current && setState({ for: wanted, users: page.users, error: null }),
        (error: unknown) => current && setState({ for: wanted, users: [], error: error as Error }),
      );
    }, delayMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, wanted, asks, delayMs, limit]);
  if (!asks) return { users: [], loading: false, error: null };
  return {
    users: state.for === wanted ? state.users : [],
    loading: state.for !== wanted,
    error: state.for === wanted ? state.error : null,
  };
}

const NO_PROFILES: ReadonlyMap<string, User> = new Map();

/** Several users' profiles by id, those loaded so far (each loaded once per client, as `useUser`): names for typists, members, mentions. */
export function useUsers(userIds: readonly string[]): ReadonlyMap<string, User> {
  const client = useChatClient();
  const key = userIds.join('\n');
  const stores = useMemo(() => (key === '' ? [] : key.split('\n').map((id) => client.users.get(id))), [client, key]);
  const cache = useRef<{ values: readonly (User | null)[]; map: ReadonlyMap<string, User> } | null>(null);
  const subscribe = useCallback(
    (listener: () => void) => {
      const stops = stores.map((store) => store.subscribe(listener));
      return () => {
        for (const stop of stops) stop();
      };
    },
    [stores],
  );
  const snapshot = useCallback(() => {
    const values = stores.map((store) => store.getSnapshot());
    const held = cache.current;
    if (held && held.values.length === values.length && held.values.every((value, i) => value === values[i])) return held.map;
    const map = values.length === 0 ? NO_PROFILES : new Map(values.filter((u): u is User => u !== null).map((u) => [u.id, u]));
    cache.current = { values, map };
    return map;
  }, [stores]);
  return useSyncExternalStore(subscribe, snapshot, snapshot);
}

import type { AuthSession } from '@chat4all/protocol';
import { type Chat4AllClient, type ChatMessage, createClient, type User } from '@chat4all/sdk-js';
import {
  ChatProvider,
  useChatClient,
  useConnectionState,
  useConversation,
  useConversations,
  useUnreadTotal,
  useUsers,
} from '@chat4all/sdk-react';
import {
  Avatar,
  Composer,
  ConnectionBanner,
  ConversationHeader,
  ConversationList,
  MessageList,
  MessageSearch,
  PeoplePicker,
  PinnedMessages,
  Thread,
} from '@chat4all/sdk-react/components';
import { type FormEvent, type KeyboardEvent, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { AutoIcon, BackIcon, BellIcon, ChatIcon, CloseIcon, MoonIcon, SignOutIcon, SunIcon } from './icons';
import { conversationFromUrl, currentDevice, enableNotifications, onOpenConversation, pushSupported } from './notifications';
import { accessToken, RELAY_URL, savedSession, signIn, signOut } from './session';
import { nextTheme, type Theme, useTheme } from './theme';

/** Offered on each message on hover or focus, one click to react. */
const QUICK_REACTIONS = ['👍', '❤️', '😂', '😮', '🙏'];

export function App() {
  const [session, setSession] = useState<AuthSession | null>(savedSession);
  const [theme, setTheme] = useTheme();
  if (!session) return <SignIn onSignedIn={setSession} />;
  return <Chat session={session} theme={theme} onTheme={setTheme} onSignOut={() => setSession(null)} />;
}

function SignIn({ onSignedIn }: { onSignedIn: (session: AuthSession) => void }) {
  const [mode, setMode] = useState<'sign-in' | 'register'>('sign-in');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(null);
    try {
      onSignedIn(
        await signIn(mode, String(form.get('username')), String(form.get('password')), String(form.get('displayName') ?? '') || undefined),
      );
    } catch (failure) {
      setError((failure as Error).message);
      setBusy(false);
    }
  };
  return (
    <main className="sign-in">
      <form className="card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div className="brand" aria-hidden="true">
          <ChatIcon size={30} />
        </div>
        <h1 id="sign-in-title">{mode === 'sign-in' ? 'Welcome back' : 'Create your account'}</h1>
        <p className="subtitle">Chat4All keeps every message, online or off.</p>
        <label>
          <span>Username</span>
          <input name="username" required minLength={3} maxLength={64} pattern="[A-Za-z0-9_.\-]+" autoComplete="username" />
        </label>
        {mode === 'register' && (
          <label>
            <span>Your name</span>
            <input name="displayName" maxLength={80} autoComplete="name" placeholder="How others see you" />
          </label>
        )}
        <label>
          <span>Password</span>
          <input
            name="password"
            type="password"
            required
            minLength={8}
            autoComplete={mode === 'sign-in' ? 'current-password' : 'new-password'}
          />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {mode === 'sign-in' ? 'Sign in' : 'Create account'}
        </button>
        <button
          type="button"
          className="link"
          onClick={() => {
            setMode(mode === 'sign-in' ? 'register' : 'sign-in');
            setError(null);
          }}
        >
          {mode === 'sign-in' ? 'New here? Create an account' : 'Have an account? Sign in'}
        </button>
      </form>
    </main>
  );
}

function Chat({
  session,
  theme,
  onTheme,
  onSignOut,
}: {
  session: AuthSession;
  theme: Theme;
  onTheme: (theme: Theme) => void;
  onSignOut: () => void;
}) {
  // One client per signed-in user, created in an effect so that React's StrictMode (which
  // mounts twice in development) closes the first and keeps the second.
  const [client, setClient] = useState<Chat4AllClient | null>(null);
  useEffect(() => {
    const created = createClient({ url: RELAY_URL, tokenProvider: accessToken });
    setClient(created);
    // A client closed while connecting (StrictMode's first mount) rejects: nothing to report, the banner shows the state.
    created.connect().catch(() => {});
    return () => created.close();
  }, []);
  if (!client) return null;
  return (
    <ChatProvider client={client}>
      <Inbox me={session.user} theme={theme} onTheme={onTheme} onSignOut={onSignOut} />
    </ChatProvider>
  );
}

function Inbox({ me, theme, onTheme, onSignOut }: { me: User; theme: Theme; onTheme: (theme: Theme) => void; onSignOut: () => void }) {
  const client = useChatClient();
  // The open conversation survives a reload, even one made while offline; a clicked notification opens its conversation.
  const [selected, select] = useState<string | undefined>(
    () => conversationFromUrl() ?? sessionStorage.getItem('chat4all-example-selected') ?? undefined,
  );
  const setSelected = useCallback((id: string | undefined) => {
    if (id) sessionStorage.setItem('chat4all-example-selected', id);
    else sessionStorage.removeItem('chat4all-example-selected');
    select(id);
  }, []);
  useEffect(() => onOpenConversation(setSelected), [setSelected]);
  const [composing, setComposing] = useState(false);
  const [filter, setFilter] = useState('');
  // The open thread belongs to the conversation it was opened in.
  const [openThread, setOpenThread] = useState<{ conversationId: string; rootId: string } | null>(null);
  const thread = openThread && openThread.conversationId === selected ? openThread.rootId : null;
  const setThread = useCallback(
    (rootId: string | null) => setOpenThread(rootId && selected ? { conversationId: selected, rootId } : null),
    [selected],
  );
  // Reading a conversation marks it read.
  useEffect(() => {
    if (!selected) return;
    const messages = client.messages(selected);
    const markRead = () => {
      if (document.visibilityState === 'visible') client.markRead(selected).catch(() => {});
    };
    markRead();
    return messages.subscribe(markRead);
  }, [client, selected]);
  const conversations = useConversations();
  const peers = useUsers(useMemo(() => conversations.flatMap((c) => (c.peerId ? [c.peerId] : [])), [conversations]));
  const wanted = filter.trim().toLowerCase();
  const matches = useCallback(
    (c: { title: string | null; peerId: string | null }) =>
      (c.title || (c.peerId ? peers.get(c.peerId)?.displayName || c.peerId : '')).toLowerCase().includes(wanted),
    [peers, wanted],
  );
  const { messages: unread } = useUnreadTotal();
  useEffect(() => {
    document.title = unread > 0 ? `(${unread}) Chat4All` : 'Chat4All';
  }, [unread]);

  return (
    <div className="app" data-view={selected ? 'conversation' : 'list'} data-thread={thread ? true : undefined}>
      <aside className="sidebar" aria-label="Chats">
        <header className="me">
          <Avatar userId={me.id} name={me.displayName || me.id} size={40} decorative />
          <div className="me-name">
            <strong>{me.displayName || me.id}</strong>
            <ConnectionState />
          </div>
          <button
            type="button"
            className="icon"
            aria-label={`Theme: ${theme}`}
            title={`Theme: ${theme}`}
            onClick={() => onTheme(nextTheme(theme))}
          >
            {theme === 'dark' ? <MoonIcon /> : theme === 'light' ? <SunIcon /> : <AutoIcon />}
          </button>
          <button
            type="button"
            className="icon"
            aria-label="Sign out"
            title="Sign out"
            onClick={() => {
              signOut();
              client.close();
              onSignOut();
            }}
          >
            <SignOutIcon />
          </button>
        </header>
        {pushSupported && <Notifications />}
        <div className="sidebar-actions">
          <input
            type="search"
            aria-label="Search conversations and messages"
            placeholder="Search"
            value={filter}
            onChange={(event) => setFilter(event.target.value)}
          />
          <button type="button" className="primary" onClick={() => setComposing(true)}>
            New chat
          </button>
        </div>
        <ConversationList selectedId={selected} onSelect={setSelected} userId={me.id} filter={wanted ? matches : undefined} />
        <MessageSearch query={filter} onOpen={(message) => setSelected(message.conversationId)} />
        {conversations.length === 0 && (
          <p className="hint">
            No conversations yet. <strong>New chat</strong> finds people by name.
          </p>
        )}
      </aside>
      {selected ? (
        <Conversation
          key={selected}
          conversationId={selected}
          me={me.id}
          onBack={() => setSelected(undefined)}
          thread={thread}
          onThread={setThread}
        />
      ) : (
        <main className="empty">
          <div>
            <div className="brand" aria-hidden="true">
              <ChatIcon size={30} />
            </div>
            <h2>Your messages</h2>
            <p>Pick a conversation, or start one with someone by name.</p>
            <button type="button" className="primary" onClick={() => setComposing(true)}>
              New chat
            </button>
          </div>
        </main>
      )}
      <ConnectionBanner />
      {composing && (
        <NewChat
          me={me.id}
          onClose={() => setComposing(false)}
          onCreated={(id) => {
            setComposing(false);
            setSelected(id);
          }}
        />
      )}
    </div>
  );
}

function ConnectionState() {
  const state = useConnectionState();
  return <small className="state">{state === 'connected' ? 'Online' : state === 'offline' ? 'Offline' : 'Connecting…'}</small>;
}

function Conversation({
  conversationId,
  me,
  onBack,
  thread,
  onThread,
}: {
  conversationId: string;
  me: string;
  onBack: () => void;
  thread: string | null;
  onThread: (rootId: string | null) => void;
}) {
  const conversation = useConversation(conversationId);
  const [replyTo, setReplyTo] = useState<ChatMessage | null>(null);
  return (
    <>
      <main className="conversation" aria-label="Conversation">
        <ConversationHeader conversationId={conversationId}>
          <button type="button" className="icon back" aria-label="Back to chats" onClick={onBack}>
            <BackIcon />
          </button>
        </ConversationHeader>
        <PinnedMessages conversationId={conversationId} canUnpin />
        <div className="log">
          <MessageList
            conversationId={conversationId}
            userId={me}
            onOpenThread={onThread}
            quickReactions={QUICK_REACTIONS}
            onReply={setReplyTo}
          />
        </div>
        <Composer
          conversationId={conversationId}
          mentionAll={conversation?.type === 'group'}
          replyTo={replyTo}
          onReplyDone={() => setReplyTo(null)}
        />
      </main>
      {thread && (
        <aside className="thread-panel">
          <Thread conversationId={conversationId} rootId={thread} userId={me} onClose={() => onThread(null)} />
        </aside>
      )}
    </>
  );
}

/** "New chat": one person by name, or a group with a title and the people picked. */
function NewChat({ me, onClose, onCreated }: { me: string; onClose: () => void; onCreated: (conversationId: string) => void }) {
  const client = useChatClient();
  const dialog = useRef<HTMLDialogElement>(null);
  const [mode, setMode] = useState<'person' | 'group'>('person');
  const [members, setMembers] = useState<User[]>([]);
  const [title, setTitle] = useState('');
  const [error, setError] = useState<string | null>(null);
  // Opened once mounted; closing it (Escape, the close button) unmounts it. Closing it in a cleanup would tell the app it
  // was closed when React's StrictMode only re-runs the effect. Once gone, focus goes back to what opened it.
  useEffect(() => {
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog.current && !dialog.current.open) dialog.current.showModal();
    return () => opener?.focus();
  }, []);
  const tabs = { person: 'Person', group: 'Group' } as const;
  const onTabKey = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight') return;
    const next = mode === 'person' ? 'group' : 'person';
    setMode(next);
    document.getElementById(`new-chat-${next}`)?.focus();
  };
  const run = (work: Promise<{ id: string }>) =>
    work.then(
      (conversation) => onCreated(conversation.id),
      (failure: unknown) => setError((failure as Error).message),
    );
  return (
    <dialog ref={dialog} className="new-chat" aria-labelledby="new-chat-title" onClose={onClose}>
      <header>
        <h2 id="new-chat-title">New chat</h2>
        <button type="button" className="icon" aria-label="Close" onClick={onClose}>
          <CloseIcon />
        </button>
      </header>
      <div className="tabs" role="tablist" aria-label="Kind of chat">
        {(Object.keys(tabs) as Array<keyof typeof tabs>).map((tab) => (
          <button
            key={tab}
            id={`new-chat-${tab}`}
            type="button"
            role="tab"
            aria-selected={mode === tab}
            aria-controls="new-chat-panel"
            tabIndex={mode === tab ? 0 : -1}
            onClick={() => setMode(tab)}
            onKeyDown={onTabKey}
          >
            {tabs[tab]}
          </button>
        ))}
      </div>
      <div id="new-chat-panel" role="tabpanel" aria-labelledby={`new-chat-${mode}`}>
        {mode === 'person' ? (
          <PeoplePicker autoFocus exclude={[me]} onPick={(user) => run(client.createPrivateConversation(user.id))} />
        ) : (
          <form
            className="group-form"
            onSubmit={(event) => {
              event.preventDefault();
              run(client.createGroup({ title: title.trim(), memberIds: members.map((m) => m.id) }));
            }}
          >
            <label>
              <span>Group name</span>
              <input required maxLength={120} value={title} onChange={(event) => setTitle(event.target.value)} />
            </label>
            <ul className="chips" aria-label="Members">
              {members.map((member) => (
                <li key={member.id}>
                  <Avatar userId={member.id} name={member.displayName || member.id} size={24} decorative />
                  {member.displayName || member.id}
                  <button
                    type="button"
                    aria-label={`Remove ${member.displayName ?? member.id}`}
                    onClick={() => setMembers(members.filter((m) => m.id !== member.id))}
                  >
                    ×
                  </button>
                </li>
              ))}
            </ul>
            <PeoplePicker
              label="Add people"
              exclude={[me, ...members.map((m) => m.id)]}
              onPick={(user) => setMembers([...members, user])}
            />
            <button type="submit" className="primary" disabled={members.length === 0 || title.trim() === ''}>
              Create group
            </button>
          </form>
        )}
      </div>
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
    </dialog>
  );
}

/** The setting that turns this browser's push notifications on and off. */
function Notifications() {
  const client = useChatClient();
  const [device, setDevice] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    currentDevice(client).then(setDevice, () => setDevice(null));
  }, [client]);
  const toggle = async () => {
    setError(null);
    try {
      if (device) {
        await client.push.unregister(device);
        setDevice(null);
      } else {
        setDevice(await enableNotifications(client));
      }
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  if (device === undefined) return null;
  return (
    <div className="notifications">
      <button type="button" aria-pressed={!!device} onClick={toggle}>
        <BellIcon /> {device ? 'Notifications on' : 'Enable notifications'}
      </button>
      {error && <small role="alert">{error}</small>}
    </div>
  );
}

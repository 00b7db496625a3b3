import type { AuthSession } from '@chat4all/protocol';
import { type Chat4AllClient, createClient } from '@chat4all/sdk-js';
import { ChatProvider, useChatClient } from '@chat4all/sdk-react';
import { Composer, ConnectionBanner, ConversationList, MessageList, PresenceDot, TypingIndicator } from '@chat4all/sdk-react/components';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { conversationFromUrl, currentDevice, enableNotifications, onOpenConversation, pushSupported } from './notifications';
import { accessToken, RELAY_URL, savedSession, signIn, signOut } from './session';

export function App() {
  const [session, setSession] = useState<AuthSession | null>(savedSession);
  if (!session) return <SignIn onSignedIn={setSession} />;
  return <Chat session={session} onSignOut={() => setSession(null)} />;
}

function SignIn({ onSignedIn }: { onSignedIn: (session: AuthSession) => void }) {
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    try {
      onSignedIn(await signIn(String(form.get('username')), String(form.get('password'))));
    } catch (failure) {
      setError((failure as Error).message);
    }
  };
  return (
    <form className="sign-in" onSubmit={submit}>
      <h1>Chat4All</h1>
      <label>
        Username <input name="username" required minLength={3} autoComplete="username" />
      </label>
      <label>
        Password <input name="password" type="password" required minLength={8} autoComplete="current-password" />
      </label>
      <button type="submit">Sign in or register</button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

function Chat({ session, onSignOut }: { session: AuthSession; onSignOut: () => void }) {
  // One client per signed-in user, created in an effect so that React's StrictMode (which
  // mounts twice in development) closes the first and keeps the second.
  const [client, setClient] = useState<Chat4AllClient | null>(null);
  useEffect(() => {
    const created = createClient({ url: RELAY_URL, tokenProvider: accessToken });
    setClient(created);
    void created.connect();
    return () => created.close();
  }, []);
  if (!client) return null;
  return (
    <ChatProvider client={client}>
      <Inbox me={session.user.id} name={session.user.displayName ?? session.user.id} onSignOut={onSignOut} />
    </ChatProvider>
  );
}

function Inbox({ me, name, onSignOut }: { me: string; name: string; onSignOut: () => void }) {
  const client = useChatClient();
  // The open conversation survives a reload, even one made while offline.
  // A clicked notification opens its conversation.
  const [selected, select] = useState<string | undefined>(
    () => conversationFromUrl() ?? sessionStorage.getItem('chat4all-example-selected') ?? undefined,
  );
  const setSelected = useCallback((id: string) => {
    sessionStorage.setItem('chat4all-example-selected', id);
    select(id);
  }, []);
  useEffect(() => onOpenConversation(setSelected), [setSelected]);
  const [peer, setPeer] = useState('');
  const start = async (event: FormEvent) => {
    event.preventDefault();
    const conversation = await client.createPrivateConversation(peer.trim());
    setSelected(conversation.id);
    setPeer('');
  };
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
  return (
    <div className="app">
      <ConnectionBanner />
      <aside>
        <header>
          <strong>{name}</strong>
          <small>your id: {me}</small>
          <button
            type="button"
            onClick={() => {
              signOut();
              onSignOut();
            }}
          >
            Sign out
          </button>
          {pushSupported && <Notifications />}
        </header>
        <form onSubmit={start}>
          <input
            aria-label="User id to chat with"
            placeholder="User id to chat with"
            value={peer}
            onChange={(e) => setPeer(e.target.value)}
          />
          <button type="submit">Chat</button>
        </form>
        <ConversationList
          selectedId={selected}
          onSelect={setSelected}
          titleOf={(c) => c.title ?? (c.lastMessage?.senderId !== me ? c.lastMessage?.senderId : undefined) ?? 'Conversation'}
        />
      </aside>
      {selected ? (
        <main>
          <Peers conversationId={selected} me={me} />
          <div className="log">
            <MessageList conversationId={selected} userId={me} />
          </div>
          <TypingIndicator conversationId={selected} />
          <Composer conversationId={selected} />
        </main>
      ) : (
        <main className="empty">Pick a conversation, or start one with a user id.</main>
      )}
    </div>
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
        {device ? 'Notifications on' : 'Enable notifications'}
      </button>
      {error && <small role="alert">{error}</small>}
    </div>
  );
}

function Peers({ conversationId, me }: { conversationId: string; me: string }) {
  const client = useChatClient();
  const [members, setMembers] = useState<string[]>([]);
  useEffect(() => {
    client.members(conversationId).then(
      (list) => setMembers(list.map((m) => m.userId).filter((id) => id !== me)),
      () => setMembers([]),
    );
  }, [client, conversationId, me]);
  return (
    <header className="peers">
      {members.map((id) => (
        <span key={id}>
          <PresenceDot userId={id} /> {id}
        </span>
      ))}
    </header>
  );
}

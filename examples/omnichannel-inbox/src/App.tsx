import type { ConversationStatus, ConversationSummary } from '@chat4all/sdk-js';
import { type Chat4AllClient, createClient } from '@chat4all/sdk-js';
import { ChatProvider, useChatClient, useConversationQuery } from '@chat4all/sdk-react';
import { Avatar, ConnectionBanner, ConversationList, MessageSearch } from '@chat4all/sdk-react/components';
import { useEffect, useState } from 'react';
import { ContactPanel } from './ContactPanel';
import { Conversation } from './Conversation';
import { ChannelBadge, channelOf, TEAMS } from './channels';
import { DevTools, Health } from './DevTools';
import { AutoIcon, InboxIcon, MoonIcon, SearchIcon, SunIcon, WrenchIcon } from './icons';
import { type Agent, SIMULATOR, setAgentToken } from './session';
import { nextTheme, type Theme, useTheme } from './theme';

interface Session {
  relayUrl: string;
  userId: string;
  token: string;
  agents: Agent[];
}

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [client, setClient] = useState<Chat4AllClient | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let created: Chat4AllClient | undefined;
    let cancelled = false;
    fetch(`${SIMULATOR}/session`)
      .then((response) => response.json() as Promise<Session>)
      .then((answer) => {
        if (cancelled) return;
        setAgentToken(answer.token);
        created = createClient({ url: answer.relayUrl, token: answer.token });
        setSession(answer);
        setClient(created);
        void created.connect();
      })
      .catch((failure: unknown) => setError(`Cannot reach the inbox back end at ${SIMULATOR}: ${String(failure)}`));
    return () => {
      cancelled = true;
      created?.close();
    };
  }, []);
  if (error)
    return (
      <p role="alert" className="fatal">
        {error}
      </p>
    );
  if (!client || !session) return <p className="fatal">Connecting…</p>;
  return (
    <ChatProvider client={client}>
      <Inbox me={session.userId} agents={session.agents} />
    </ChatProvider>
  );
}

type View = 'mine' | 'unassigned' | 'all';
const VIEWS: Array<{ id: View; label: string }> = [
  { id: 'mine', label: 'Mine' },
  { id: 'unassigned', label: 'Unassigned' },
  { id: 'all', label: 'All' },
];
const STATUSES: Array<{ id: ConversationStatus; label: string }> = [
  { id: 'open', label: 'Open' },
  { id: 'pending', label: 'Pending' },
  { id: 'resolved', label: 'Resolved' },
];

function Inbox({ me, agents }: { me: string; agents: Agent[] }) {
  const client = useChatClient();
  const [selected, setSelected] = useState<string | undefined>();
  const [view, setView] = useState<View>('all');
  const [status, setStatus] = useState<ConversationStatus>('open');
  const [query, setQuery] = useState('');
  const [tools, setTools] = useState(false);
  const [theme, setTheme] = useTheme();
  const agentName = (id: string | null) => agents.find((a) => a.id === id)?.displayName ?? id;
  const self = agents.find((a) => a.id === me);

  // The open conversation is read as its messages arrive.
  useEffect(() => {
    if (!selected) return;
    const markRead = () => client.markRead(selected).catch(() => {});
    markRead();
    return client.messages(selected).subscribe(markRead);
  }, [client, selected]);

  // Each view is a list the relay filters, kept live: what the agent sees, and the counts beside the views.
  const views: Record<View, ReturnType<typeof useConversationQuery>> = {
    mine: useConversationQuery({ status, assigneeId: me }),
    unassigned: useConversationQuery({ status, assigned: false }),
    all: useConversationQuery({ status }),
  };
  const current = views[view];
  const typed = query.trim().toLowerCase();
  const matches = (c: ConversationSummary) =>
    !typed || (c.title ?? '').toLowerCase().includes(typed) || (c.lastMessage?.text ?? '').toLowerCase().includes(typed);
  const count = (v: View) => `${views[v].conversations.length}${views[v].hasMore ? '+' : ''}`;
  const shown = current.conversations.filter(matches).length;

  return (
    <div className="inbox" data-open={selected ? 'conversation' : 'list'}>
      <aside className="sidebar" aria-label="Inbox">
        <header className="me">
          <Avatar userId={me} name={self?.displayName} size={36} decorative />
          <span className="me-name">
            <strong>{self?.displayName ?? me}</strong>
            <small>Agent · online</small>
          </span>
          <button
            type="button"
            className="icon"
            aria-label={`Theme: ${theme}`}
            title={`Theme: ${theme}`}
            onClick={() => setTheme(nextTheme(theme))}
          >
            <ThemeIcon theme={theme} />
          </button>
          <button
            type="button"
            className="icon"
            aria-label="Developer tools"
            aria-pressed={tools}
            title="Developer tools: simulate customers"
            onClick={() => setTools(!tools)}
          >
            <WrenchIcon />
          </button>
        </header>
        <label className="search">
          <SearchIcon />
          <input
            type="search"
            aria-label="Search"
            placeholder="Search conversations and messages"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
          />
        </label>
        <fieldset className="views">
          <legend className="c4a-visually-hidden">Assignee</legend>
          {VIEWS.map((v) => (
            <button key={v.id} type="button" aria-pressed={view === v.id} onClick={() => setView(v.id)}>
              {v.label} <span className="count">{count(v.id)}</span>
            </button>
          ))}
        </fieldset>
        <fieldset className="statuses">
          <legend className="c4a-visually-hidden">Status</legend>
          {STATUSES.map((s) => (
            <button key={s.id} type="button" aria-pressed={status === s.id} onClick={() => setStatus(s.id)}>
              {s.label}
            </button>
          ))}
        </fieldset>
        <ConversationList
          selectedId={selected}
          onSelect={setSelected}
          userId={me}
          conversations={current.conversations}
          filter={matches}
          renderExtra={(c) => (
            <>
              <ChannelBadge channel={channelOf(c)} />
              <span className="assignee" data-assigned={c.assigneeId ? true : undefined}>
                {c.assigneeId ? agentName(c.assigneeId) : 'Unassigned'}
              </span>
              {c.teamId ? <span className="team">{TEAMS.find((t) => t.id === c.teamId)?.name ?? c.teamId}</span> : null}
            </>
          )}
        />
        {current.hasMore ? (
          <button type="button" className="link more" onClick={() => current.loadMore().catch(() => {})}>
            Show more
          </button>
        ) : null}
        {shown === 0 && !current.loading ? (
          <p className="empty-list">
            <InboxIcon />
            {typed
              ? `Nothing ${status} matches “${query.trim()}”`
              : `No ${status} conversations ${view === 'mine' ? 'assigned to you' : view === 'unassigned' ? 'waiting for an agent' : 'here'}`}
          </p>
        ) : null}
        <div className="message-results">
          <MessageSearch query={query} onOpen={(message) => setSelected(message.conversationId)} limit={5} />
        </div>
        <Health />
      </aside>
      {selected ? (
        <Conversation key={selected} conversationId={selected} me={me} agents={agents} onBack={() => setSelected(undefined)} />
      ) : (
        <main className="empty">
          <InboxIcon size={48} />
          <h2>Pick a conversation</h2>
          <p>Customers write in on WhatsApp, Messenger, Instagram and Telegram; every answer goes back on their channel.</p>
        </main>
      )}
      {selected ? <ContactPanel conversationId={selected} agents={agents} /> : null}
      {tools ? <DevTools onClose={() => setTools(false)} /> : null}
      <ConnectionBanner />
    </div>
  );
}

function ThemeIcon({ theme }: { theme: Theme }) {
  return theme === 'dark' ? <MoonIcon /> : theme === 'light' ? <SunIcon /> : <AutoIcon />;
}

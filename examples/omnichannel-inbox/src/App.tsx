import type { ChatMessage, ConversationSummary } from '@chat4all/sdk-js';
import { type Chat4AllClient, createClient } from '@chat4all/sdk-js';
import { ChatProvider, useChannelPolicies, useChatClient, useConversation } from '@chat4all/sdk-react';
import {
  ChannelStatus,
  Composer,
  ConnectionBanner,
  ConversationList,
  MessageFile,
  MessageList,
  MessageStatus,
  Reactions,
} from '@chat4all/sdk-react/components';
import { type FormEvent, useEffect, useState } from 'react';

/** The development back end (inbox.mjs): a token for the agent, and customers writing in. */
const SIMULATOR: string = import.meta.env.VITE_INBOX_SIMULATOR ?? 'http://127.0.0.1:8091';

const CHANNELS: Record<string, { label: string; className: string }> = {
  whatsapp: { label: 'WhatsApp', className: 'badge whatsapp' },
  messenger: { label: 'Messenger', className: 'badge messenger' },
  instagram: { label: 'Instagram', className: 'badge instagram' },
  telegram: { label: 'Telegram', className: 'badge telegram' },
  webhook: { label: 'Webhook', className: 'badge webhook' },
  loopback: { label: 'Loopback', className: 'badge loopback' },
};

/** The channel a contact's conversation came from: the relay puts it in the conversation's metadata. */
function channelOf(conversation: ConversationSummary | undefined): string | undefined {
  const channel = conversation?.metadata.channel as { type?: string } | undefined;
  return channel?.type;
}

export function App() {
  const [client, setClient] = useState<Chat4AllClient | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let created: Chat4AllClient | undefined;
    let cancelled = false;
    fetch(`${SIMULATOR}/session`)
      .then((response) => response.json() as Promise<{ relayUrl: string; token: string }>)
      .then(({ relayUrl, token }) => {
        if (cancelled) return;
        created = createClient({ url: relayUrl, token });
        setClient(created);
        void created.connect();
      })
      .catch((failure: unknown) => setError(`Cannot reach the inbox back end at ${SIMULATOR}: ${String(failure)}`));
    return () => {
      cancelled = true;
      created?.close();
    };
  }, []);
  if (error) return <p role="alert">{error}</p>;
  if (!client) return <p>Connecting…</p>;
  return (
    <ChatProvider client={client}>
      <Inbox />
    </ChatProvider>
  );
}

function Inbox() {
  const client = useChatClient();
  const [selected, setSelected] = useState<string | undefined>();
  useEffect(() => {
    if (!selected) return;
    const markRead = () => client.markRead(selected).catch(() => {});
    markRead();
    return client.messages(selected).subscribe(markRead);
  }, [client, selected]);
  return (
    <div className="app">
      <ConnectionBanner />
      <aside>
        <header>
          <strong>Inbox</strong>
          <small>signed in as agent</small>
        </header>
        <ConversationList
          selectedId={selected}
          onSelect={setSelected}
          titleOf={(c) => `${CHANNELS[channelOf(c) ?? '']?.label ?? 'App'} · ${c.title ?? c.id}`}
        />
        <Simulator />
        <Health />
      </aside>
      {selected ? (
        <Conversation conversationId={selected} />
      ) : (
        <main className="empty">Pick a conversation, or make a customer write in.</main>
      )}
    </div>
  );
}

/** What a contact can be sent now, from the channel's policy: the window and until when. */
function WindowState({ conversationId }: { conversationId: string }) {
  const [policy] = useChannelPolicies(conversationId);
  if (!policy) return null;
  const until = (at: string | null) => (at ? new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '');
  const labels: Record<string, string> = {
    always: 'no service window',
    open: `window open until ${until(policy.windowOpenUntil)}`,
    'human-agent': `human agent replies until ${until(policy.humanAgentUntil)}`,
    'template-only': 'window closed: send a template',
    closed: 'window closed: wait for the customer',
  };
  return (
    <small className="window" data-state={policy.state}>
      {labels[policy.state] ?? policy.state}
    </small>
  );
}

/** A contact's place, cards, button choice, or a message type the inbox cannot show. */
function Content({ message }: { message: ChatMessage }) {
  const content = message.content;
  if (!content) return null;
  switch (content.type) {
    case 'location': {
      const map = `https://www.openstreetmap.org/?mlat=${content.latitude}&mlon=${content.longitude}#map=16/${content.latitude}/${content.longitude}`;
      return (
        <a className="content location" href={map} target="_blank" rel="noopener noreferrer">
          📍 {message.text}
        </a>
      );
    }
    case 'contacts':
      return <p className="content contacts">👤 {content.contacts.map((c) => `${c.name} ${c.phones[0]?.phone ?? ''}`).join(', ')}</p>;
    case 'choice':
      return (
        <p className="content choice" title={`payload: ${content.payload}`}>
          ▸ chose “{content.title}”
        </p>
      );
    case 'unsupported':
      return <p className="content unsupported">This {content.platformType} cannot be shown here</p>;
    default:
      return null;
  }
}

/** Who wrote: the conversation's contact by name, another contact (joined from another channel) by its channel, or the user id. */
function senderName(message: ChatMessage, conversation: ConversationSummary | undefined, contactName: string): string {
  if (!message.senderId?.startsWith('contact:')) return message.senderId ?? 'System';
  if (message.senderId === conversation?.metadata.contactId) return contactName;
  const channel = (message.metadata.channel as { type?: string } | undefined)?.type;
  return `${CHANNELS[channel ?? '']?.label ?? 'Other'} customer`;
}

function Conversation({ conversationId }: { conversationId: string }) {
  const conversation = useConversation(conversationId);
  const channel = CHANNELS[channelOf(conversation) ?? ''];
  const contactName = conversation?.title ?? 'Contact';
  const render = (message: ChatMessage) => {
    const fromAgent = message.senderId === 'agent';
    const shown = message.content?.type === 'location' || message.content?.type === 'choice';
    return (
      <div className="c4a-message" data-own={fromAgent || undefined}>
        <span className="c4a-message-sender">{fromAgent ? 'You' : senderName(message, conversation, contactName)}</span>
        {message.attachment || message.pendingFile ? <MessageFile message={message} /> : null}
        <Content message={message} />
        {message.text && !shown ? <p className="c4a-message-text">{message.deletedAt ? 'Message deleted' : message.text}</p> : null}
        <Reactions conversationId={conversationId} messageId={message.id} choices={fromAgent ? [] : ['👍', '❤️', '🙏']} />
        {fromAgent ? <MessageStatus conversationId={conversationId} messageId={message.id} /> : null}
        <ChannelStatus conversationId={conversationId} messageId={message.id} />
      </div>
    );
  };
  return (
    <main>
      <header className="peer">
        <strong>{contactName}</strong>
        {channel ? <span className={channel.className}>{channel.label}</span> : null}
        <WindowState conversationId={conversationId} />
      </header>
      <div className="log">
        <MessageList conversationId={conversationId} userId="agent" renderMessage={render} />
      </div>
      <Composer conversationId={conversationId} placeholder={`Answer on ${channel?.label ?? 'the channel'}`} />
    </main>
  );
}

interface ChannelHealth {
  id: string;
  type: string;
  status: 'active' | 'held';
  hold: { code: string; message: string } | null;
}

/** Each channel account's health, as the operator sees it; a held one can be resumed once its credentials are fixed. */
function Health() {
  const [channels, setChannels] = useState<ChannelHealth[]>([]);
  useEffect(() => {
    let live = true;
    const load = () =>
      fetch(`${SIMULATOR}/channels`)
        .then((response) => response.json() as Promise<{ channels: ChannelHealth[] }>)
        .then((body) => live && setChannels(body.channels))
        .catch(() => {});
    load();
    const timer = setInterval(load, 1000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  const post = (path: string, body?: unknown) =>
    fetch(`${SIMULATOR}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  return (
    <section className="health" aria-label="Channel health">
      <strong>Channels</strong>
      <ul>
        {channels.map((c) => (
          <li key={c.id} data-status={c.status}>
            <span className={CHANNELS[c.type]?.className ?? 'badge'}>{CHANNELS[c.type]?.label ?? c.type}</span>{' '}
            {c.status === 'held' ? (
              <>
                <span title={c.hold?.message}>held: {c.hold?.code}</span>{' '}
                <button type="button" onClick={() => void post(`/channels/${c.id}/resume`)}>
                  Resume
                </button>
              </>
            ) : (
              'active'
            )}
          </li>
        ))}
      </ul>
      <div className="token">
        <button type="button" onClick={() => void post('/whatsapp-token', { valid: false })}>
          Expire WhatsApp token
        </button>
        <button type="button" onClick={() => void post('/whatsapp-token', { valid: true })}>
          Fix WhatsApp token
        </button>
      </div>
    </section>
  );
}

/** Makes a customer write in on a channel, through the platform fakes: text, a place, a button choice, a photo or a reaction. */
function Simulator() {
  const [channel, setChannel] = useState('whatsapp');
  const [kind, setKind] = useState('text');
  const [text, setText] = useState('Olá! Meu pedido ainda não chegou.');
  const [state, setState] = useState<string>('');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState('sending…');
    const response = await fetch(`${SIMULATOR}/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel, text, kind }),
    });
    setState(response.ok ? 'sent' : `failed: ${response.status}`);
  };
  const bridge = async () => {
    const response = await fetch(`${SIMULATOR}/bridge`, { method: 'POST' });
    setState(response.ok ? 'one conversation across WhatsApp and Instagram' : `failed: ${response.status}`);
  };
  return (
    <form className="simulator" onSubmit={submit}>
      <strong>Simulate a customer</strong>
      <select aria-label="Channel" value={channel} onChange={(e) => setChannel(e.target.value)}>
        <option value="whatsapp">WhatsApp</option>
        <option value="messenger">Messenger</option>
        <option value="instagram">Instagram</option>
        <option value="telegram">Telegram</option>
        <option value="loopback">Loopback (adds Alice)</option>
      </select>
      <select aria-label="Kind" value={kind} onChange={(e) => setKind(e.target.value)} disabled={channel !== 'whatsapp'}>
        <option value="text">Text</option>
        <option value="location">A place</option>
        <option value="choice">A button reply</option>
        <option value="photo">A photo</option>
        <option value="reaction">A reaction to your last answer</option>
      </select>
      <input aria-label="Customer message" value={text} onChange={(e) => setText(e.target.value)} />
      <button type="submit">Customer writes</button>
      <button type="button" onClick={() => void bridge()}>
        Bring the Instagram customer into the WhatsApp conversation
      </button>
      <small aria-live="polite">{state}</small>
    </form>
  );
}

import type { ChatMessage, ConversationSummary } from '@chat4all/sdk-js';
import { type Chat4AllClient, createClient } from '@chat4all/sdk-js';
import { ChatProvider, useChatClient, useConversation } from '@chat4all/sdk-react';
import { ChannelStatus, Composer, ConnectionBanner, ConversationList, MessageList, MessageStatus } from '@chat4all/sdk-react/components';
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
      </aside>
      {selected ? (
        <Conversation conversationId={selected} />
      ) : (
        <main className="empty">Pick a conversation, or make a customer write in.</main>
      )}
    </div>
  );
}

function Conversation({ conversationId }: { conversationId: string }) {
  const conversation = useConversation(conversationId);
  const channel = CHANNELS[channelOf(conversation) ?? ''];
  const contactName = conversation?.title ?? 'Contact';
  const render = (message: ChatMessage) => {
    const fromAgent = message.senderId === 'agent';
    return (
      <div className="c4a-message" data-own={fromAgent || undefined}>
        <span className="c4a-message-sender">
          {fromAgent ? 'You' : message.senderId?.startsWith('contact:') ? contactName : message.senderId}
        </span>
        <p className="c4a-message-text">{message.text}</p>
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
      </header>
      <div className="log">
        <MessageList conversationId={conversationId} userId="agent" renderMessage={render} />
      </div>
      <Composer conversationId={conversationId} placeholder={`Answer on ${channel?.label ?? 'the channel'}`} />
    </main>
  );
}

/** Makes a customer write in on a channel, through the platform fakes. */
function Simulator() {
  const [channel, setChannel] = useState('whatsapp');
  const [text, setText] = useState('Olá! Meu pedido ainda não chegou.');
  const [state, setState] = useState<string>('');
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setState('sending…');
    const response = await fetch(`${SIMULATOR}/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channel, text }),
    });
    setState(response.ok ? 'sent' : `failed: ${response.status}`);
  };
  return (
    <form className="simulator" onSubmit={submit}>
      <strong>Simulate a customer</strong>
      <select aria-label="Channel" value={channel} onChange={(e) => setChannel(e.target.value)}>
        <option value="whatsapp">WhatsApp</option>
        <option value="messenger">Messenger</option>
        <option value="telegram">Telegram</option>
        <option value="loopback">Loopback (adds Alice)</option>
      </select>
      <input aria-label="Customer message" value={text} onChange={(e) => setText(e.target.value)} />
      <button type="submit">Customer writes</button>
      <small aria-live="polite">{state}</small>
    </form>
  );
}

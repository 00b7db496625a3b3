import type { ChatMessage, ConversationStatus, UpdateConversationBody } from '@chat4all/sdk-js';
import { useChannelPolicies, useChatClient, useConversation } from '@chat4all/sdk-react';
import { Avatar, Composer, MessageList, TypingIndicator } from '@chat4all/sdk-react/components';
import { useState } from 'react';
import { CANNED_RESPONSES, CHANNELS, ChannelBadge, channelOf, TEAMS } from './channels';
import { BackIcon, CheckIcon, ClockIcon, ReopenIcon } from './icons';
import type { Agent } from './session';

/** Offered on each message on hover or focus: the agent reacts, and the reaction goes to the customer's platform. */
const QUICK_REACTIONS = ['👍', '❤️', '🙏'];

/** One customer conversation: who and where, its status and assignment, the messages, and the answer box. */
export function Conversation({
  conversationId,
  me,
  agents,
  onBack,
}: {
  conversationId: string;
  me: string;
  agents: Agent[];
  onBack: () => void;
}) {
  const conversation = useConversation(conversationId);
  const [replyTo, setReplyTo] = useState<ChatMessage | null>(null);
  const channel = channelOf(conversation);
  const name = conversation?.title ?? 'Customer';
  const label = CHANNELS[channel ?? ''] ?? 'the channel';
  return (
    <main className="conversation" aria-label={`Conversation with ${name}`}>
      <header className="conversation-bar">
        <button type="button" className="icon back" aria-label="Back to the inbox" onClick={onBack}>
          <BackIcon />
        </button>
        <Avatar name={name} size={40} decorative />
        <div className="who">
          <strong>{name}</strong>
          <span className="where">
            <ChannelBadge channel={channel} />
            <WindowState conversationId={conversationId} />
          </span>
        </div>
        {conversation ? (
          <Triage
            conversationId={conversationId}
            status={conversation.status}
            assigneeId={conversation.assigneeId}
            teamId={conversation.teamId}
            me={me}
            agents={agents}
          />
        ) : null}
      </header>
      <div className="log">
        <MessageList conversationId={conversationId} userId={me} quickReactions={QUICK_REACTIONS} onReply={setReplyTo} />
      </div>
      <TypingIndicator conversationId={conversationId} />
      <TemplateNotice conversationId={conversationId} label={label} />
      <Composer
        conversationId={conversationId}
        placeholder={`Reply on ${label} · type / for canned responses`}
        cannedResponses={CANNED_RESPONSES}
        replyTo={replyTo}
        onReplyDone={() => setReplyTo(null)}
      />
    </main>
  );
}

/** Status, assignee and team: any agent in the conversation may change them, and every agent's inbox follows. */
function Triage({
  conversationId,
  status,
  assigneeId,
  teamId,
  me,
  agents,
}: {
  conversationId: string;
  status: ConversationStatus;
  assigneeId: string | null;
  teamId: string | null;
  me: string;
  agents: Agent[];
}) {
  const client = useChatClient();
  const [error, setError] = useState<string | null>(null);
  const change = (changes: UpdateConversationBody) => {
    setError(null);
    client.updateConversation(conversationId, changes).catch((failure: Error) => setError(failure.message));
  };
  return (
    <div className="triage">
      <select aria-label="Assignee" value={assigneeId ?? ''} onChange={(e) => change({ assigneeId: e.target.value || null })}>
        <option value="">Unassigned</option>
        {agents.map((a) => (
          <option key={a.id} value={a.id}>
            {a.id === me ? `${a.displayName} (you)` : a.displayName}
          </option>
        ))}
      </select>
      <select aria-label="Team" value={teamId ?? ''} onChange={(e) => change({ teamId: e.target.value || null })}>
        <option value="">No team</option>
        {TEAMS.map((t) => (
          <option key={t.id} value={t.id}>
            {t.name}
          </option>
        ))}
      </select>
      {status === 'open' ? (
        <button type="button" className="secondary" onClick={() => change({ status: 'pending' })}>
          <ClockIcon /> Mark as pending
        </button>
      ) : null}
      {status === 'resolved' ? (
        <button type="button" className="primary" onClick={() => change({ status: 'open' })}>
          <ReopenIcon /> Reopen
        </button>
      ) : (
        <button type="button" className="primary" onClick={() => change({ status: 'resolved' })}>
          <CheckIcon /> Resolve
        </button>
      )}
      {status === 'pending' ? (
        <button type="button" className="secondary" onClick={() => change({ status: 'open' })}>
          <ReopenIcon /> Reopen
        </button>
      ) : null}
      {error ? (
        <p role="alert" className="triage-error">
          {error}
        </p>
      ) : null}
    </div>
  );
}

const until = (at: string | null) => (at ? new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '');

/** What the customer can be sent now, from the channel's policy: the window and until when. */
export function WindowState({ conversationId }: { conversationId: string }) {
  const [policy] = useChannelPolicies(conversationId);
  if (!policy) return null;
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

/** Above the composer when the platform takes no free text now. */
function TemplateNotice({ conversationId, label }: { conversationId: string; label: string }) {
  const [policy] = useChannelPolicies(conversationId);
  if (!policy || (policy.state !== 'template-only' && policy.state !== 'closed')) return null;
  return (
    <p className="notice" role="status">
      {policy.state === 'template-only'
        ? `The customer last wrote over 24 hours ago: ${label} only delivers an approved template now.`
        : `${label} delivers nothing more until the customer writes again.`}
    </p>
  );
}

import type { Contact } from '@chat4all/sdk-js';
import { useChannelPolicies, useConversation, useMembers } from '@chat4all/sdk-react';
import { Avatar, whenOf } from '@chat4all/sdk-react/components';
import { useEffect, useState } from 'react';
import { ChannelBadge, isContact, TEAMS } from './channels';
import { type Agent, backEnd } from './session';

const STATUS_LABELS = { open: 'Open', pending: 'Pending', resolved: 'Resolved' } as const;

/**
 * Who the agent is talking to: each contact in the conversation with every channel identity
 * they wrote from, what each channel lets the agent send now, and where the conversation stands.
 */
export function ContactPanel({ conversationId, agents }: { conversationId: string; agents: Agent[] }) {
  const conversation = useConversation(conversationId);
  const members = useMembers(conversationId);
  const policies = useChannelPolicies(conversationId);
  const contacts = members.filter((m) => isContact(m.userId)).map((m) => m.userId);
  const agentName = (id: string | null) => (id ? (agents.find((a) => a.id === id)?.displayName ?? id) : 'Unassigned');
  return (
    <aside className="contact-panel" aria-label="Contact details">
      {contacts.map((id) => (
        <ContactCard key={id} contactId={id} version={conversation?.lastSeq ?? 0} />
      ))}
      {policies.length > 0 ? (
        <section aria-labelledby="window-title">
          <h3 id="window-title">Service window</h3>
          <ul className="policies">
            {policies.map((p) => (
              <li key={`${p.contactId}-${p.channelId}`} data-state={p.state}>
                <ChannelBadge channel={p.channel ?? undefined} />
                <span>{windowText(p.state, p.windowOpenUntil)}</span>
              </li>
            ))}
          </ul>
        </section>
      ) : null}
      {conversation ? (
        <section aria-labelledby="details-title">
          <h3 id="details-title">Conversation</h3>
          <dl className="details">
            <dt>Status</dt>
            <dd>
              <span className="status-pill" data-status={conversation.status}>
                {STATUS_LABELS[conversation.status]}
              </span>
            </dd>
            <dt>Assignee</dt>
            <dd>{agentName(conversation.assigneeId)}</dd>
            <dt>Team</dt>
            <dd>{conversation.teamId ? (TEAMS.find((t) => t.id === conversation.teamId)?.name ?? conversation.teamId) : 'None'}</dd>
            <dt>Started</dt>
            <dd>
              <time dateTime={conversation.createdAt}>{dateOf(conversation.createdAt)}</time>
            </dd>
          </dl>
        </section>
      ) : null}
    </aside>
  );
}

function windowText(state: string, until: string | null): string {
  const at = until ? new Date(until).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
  if (state === 'open') return `Open until ${at}`;
  if (state === 'human-agent') return 'Human agent tag only';
  if (state === 'template-only') return 'Closed: templates only';
  if (state === 'closed') return 'Closed until they write';
  return 'Always open';
}

const dateOf = (at: string) => new Date(at).toLocaleDateString([], { day: 'numeric', month: 'short', year: 'numeric' });

/** A contact's card, from the back end (the relay's contacts API takes the API key); asked again as `version` (new messages) moves. */
function ContactCard({ contactId, version }: { contactId: string; version: number }) {
  const [contact, setContact] = useState<Contact | null>(null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: asked again as messages arrive (when they last wrote, a new identity).
  useEffect(() => {
    let live = true;
    backEnd<Contact>(`/contacts/${encodeURIComponent(contactId)}`)
      .then((found) => live && setContact(found))
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [contactId, version]);
  if (!contact) return null;
  const name = contact.displayName ?? contact.identities[0]?.externalId ?? 'Customer';
  return (
    <section className="contact" aria-label={name}>
      <Avatar name={name} size={64} decorative />
      <h2>{name}</h2>
      <small>
        Customer since <time dateTime={contact.createdAt}>{dateOf(contact.createdAt)}</time>
      </small>
      <h3>Channels</h3>
      <ul className="identities">
        {contact.identities.map((identity) => (
          <li key={`${identity.channelId}-${identity.externalId}`}>
            <ChannelBadge channel={identity.channel} />
            <span className="external-id">{identity.username ? `@${identity.username}` : identity.externalId}</span>
            {identity.lastInboundAt ? <time dateTime={identity.lastInboundAt}>last wrote {whenOf(identity.lastInboundAt)}</time> : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

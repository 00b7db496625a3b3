import { createElement as h, type ReactNode } from 'react';
import { useConversation, usePresence, useTyping, useUser, useUsers } from '../hooks.js';
import { Avatar } from './avatar.js';

export interface ConversationHeaderProps {
  conversationId: string;
  /** A member's display name, for "Ana is typing…". @default their profile's */
  nameOf?: (userId: string) => string | null | undefined;
  /** Buttons at the end (call, details, back on a phone). */
  children?: ReactNode;
  className?: string;
}

/**
 * A conversation's header: its avatar and title (the other member's name in a private one), and
 * under it who is typing, else the other member's presence or the group's size.
 */
export function ConversationHeader({ conversationId, nameOf, children, className = 'c4a-conversation-header' }: ConversationHeaderProps) {
  const conversation = useConversation(conversationId);
  const peerId = conversation?.peerId ?? null;
  const peer = useUser(peerId);
  const typing = useTyping(conversationId);
  const profiles = useUsers(typing);
  const names = typing.map((id) => nameOf?.(id) || profiles.get(id)?.displayName || id);
  const title = conversation?.title || peer?.displayName || peerId || 'Conversation';
  const status =
    names.length > 0
      ? `${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} typing…`
      : peerId
        ? h(PresenceText, { userId: peerId })
        : conversation
          ? `${conversation.memberCount} members`
          : '';
  return h(
    'header',
    { className },
    peerId
      ? h(Avatar, { userId: peerId, name: title, decorative: true })
      : h(Avatar, { name: title, src: conversation?.avatarUrl, decorative: true }),
    h(
      'div',
      { className: 'c4a-conversation-heading' },
      h('h2', null, title),
      h('span', { className: 'c4a-conversation-status', 'aria-live': 'polite', 'data-typing': names.length > 0 || undefined }, status),
    ),
    children,
  );
}

/** "online", "away", or nothing for someone offline. */
function PresenceText({ userId }: { userId: string }) {
  const { status } = usePresence(userId);
  return status === 'offline' ? null : status;
}

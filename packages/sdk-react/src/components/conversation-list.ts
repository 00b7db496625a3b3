import type { ConversationSummary } from '@chat4all/sdk-js';
import { createElement as h, type KeyboardEvent, type ReactNode } from 'react';
import { useConversations, useUser } from '../hooks.js';
import { Avatar } from './avatar.js';
import { whenOf } from './time.js';

export interface ConversationListProps {
  selectedId?: string | undefined;
  onSelect(conversationId: string): void;
  /** The name shown for a conversation. @default its title, else (a private one) the other member's display name */
  titleOf?: (conversation: ConversationSummary) => string | null | undefined;
  /** The signed-in user: their own last message reads "You: …". */
  userId?: string | null;
  /** A member's display name, for "Ana: …" before a group's last message. @default their profile's */
  nameOf?: (userId: string) => string | null | undefined;
  /** `false`: the main list, archived conversations left out; `true`: the archive. @default false */
  archived?: boolean;
  /** The conversations to show, in their order (a `useConversationQuery` view); `archived` is then not applied. @default the user's list */
  conversations?: readonly ConversationSummary[];
  /** Only the conversations this keeps (a search box's filter). */
  filter?: (conversation: ConversationSummary) => boolean;
  /** More for each row, on a line under its last message: a channel badge, an assignee, a status. */
  renderExtra?: (conversation: ConversationSummary) => ReactNode;
  className?: string;
}

/**
 * The conversation list as a listbox: pinned ones first, each with its avatar, title, last
 * message, when it was active, and an unread badge (a dot when marked unread); keyboard
 * selection. Items have `data-unread`, `data-pinned`, `data-muted` and `data-archived`.
 */
export function ConversationList({
  selectedId,
  onSelect,
  titleOf,
  userId = null,
  nameOf,
  archived = false,
  filter,
  renderExtra,
  conversations: given,
  className = 'c4a-conversations',
}: ConversationListProps) {
  const all = useConversations();
  const conversations = (given ?? all.filter((c) => c.settings.archived === archived)).filter((c) => !filter || filter(c));
  return h(
    'ul',
    { role: 'listbox', 'aria-label': 'Conversations', className },
    conversations.map((conversation) =>
      h(ConversationItem, {
        key: conversation.id,
        conversation,
        selected: conversation.id === selectedId,
        onSelect,
        title: titleOf?.(conversation),
        userId,
        nameOf,
        extra: renderExtra?.(conversation),
      }),
    ),
  );
}

function ConversationItem({
  conversation,
  selected,
  onSelect,
  title,
  userId,
  nameOf,
  extra,
}: {
  conversation: ConversationSummary;
  selected: boolean;
  onSelect(conversationId: string): void;
  title: string | null | undefined;
  userId: string | null;
  nameOf: ((userId: string) => string | null | undefined) | undefined;
  extra: ReactNode;
}) {
  const peer = useUser(conversation.peerId);
  const last = conversation.lastMessage;
  const lastSender = useUser(last?.senderId && last.senderId !== userId && conversation.type === 'group' ? last.senderId : null);
  const name = title || conversation.title || peer?.displayName || conversation.peerId || 'Conversation';
  const senderName = last?.senderId ? nameOf?.(last.senderId) || lastSender?.displayName || last.senderId : '';
  // A group titled after the one who wrote (a customer's conversation in an agent inbox) does not name them again.
  const author = !last?.senderId
    ? ''
    : last.senderId === userId
      ? 'You: '
      : conversation.type === 'group' && senderName !== name
        ? `${senderName}: `
        : '';
  const preview = last ? (last.deletedAt ? 'Message deleted' : last.text || (last.attachment ? last.attachment.name : '')) : '';
  const { unreadCount, unreadMentionCount, settings } = conversation;
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelect(conversation.id);
    }
  };
  return h(
    'li',
    {
      role: 'option',
      tabIndex: 0,
      'aria-selected': selected,
      'data-unread': unreadCount > 0 || settings.markedUnread || undefined,
      'data-pinned': settings.pinnedAt !== null || undefined,
      'data-muted': settings.mutedUntil !== null || undefined,
      'data-archived': settings.archived || undefined,
      onClick: () => onSelect(conversation.id),
      onKeyDown,
    },
    conversation.type === 'private'
      ? h(Avatar, { userId: conversation.peerId, name, src: conversation.avatarUrl, decorative: true })
      : h(Avatar, { name, src: conversation.avatarUrl, decorative: true }),
    h(
      'span',
      { className: 'c4a-conversation-body' },
      h(
        'span',
        { className: 'c4a-conversation-top' },
        h('span', { className: 'c4a-conversation-title' }, name),
        h('time', { className: 'c4a-conversation-time', dateTime: conversation.lastActivityAt }, whenOf(conversation.lastActivityAt)),
      ),
      h(
        'span',
        { className: 'c4a-conversation-bottom' },
        h('span', { className: 'c4a-conversation-last' }, `${author}${preview}`),
        settings.pinnedAt !== null ? h('span', { className: 'c4a-pinned', role: 'img', 'aria-label': 'Pinned' }, '📌') : null,
        settings.mutedUntil !== null ? h('span', { className: 'c4a-muted', role: 'img', 'aria-label': 'Muted' }, '🔕') : null,
        unreadMentionCount > 0
          ? h('span', { className: 'c4a-mention-badge', 'aria-label': `${unreadMentionCount} unread mentions` }, '@')
          : null,
        unreadCount > 0
          ? h('span', { className: 'c4a-unread', 'aria-label': `${unreadCount} unread` }, String(unreadCount))
          : settings.markedUnread
            ? h('span', { className: 'c4a-unread', 'aria-label': 'Marked unread' }, '')
            : null,
      ),
      extra === undefined || extra === null ? null : h('span', { className: 'c4a-conversation-extra' }, extra),
    ),
  );
}

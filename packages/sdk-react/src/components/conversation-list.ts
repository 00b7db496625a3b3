import type { ConversationSummary } from '@chat4all/sdk-js';
import { createElement as h, type KeyboardEvent } from 'react';
import { useConversations } from '../hooks.js';

export interface ConversationListProps {
  selectedId?: string | undefined;
  onSelect(conversationId: string): void;
  /** The name shown for a conversation. @default its title, else its id */
  titleOf?: (conversation: ConversationSummary) => string;
  /** `false`: the main list, archived conversations left out; `true`: the archive. @default false */
  archived?: boolean;
  className?: string;
}

/**
 * The conversation list as a listbox: pinned ones first, last message, unread badge (a dot when
 * marked unread; `data-muted` on a muted one's), keyboard selection. Each item has
 * `data-pinned`, `data-muted` and `data-archived` for styling.
 */
export function ConversationList({
  selectedId,
  onSelect,
  titleOf = (c) => c.title ?? c.id,
  archived = false,
  className = 'c4a-conversations',
}: ConversationListProps) {
  const conversations = useConversations().filter((c) => c.settings.archived === archived);
  const onKeyDown = (event: KeyboardEvent, id: string) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelect(id);
    }
  };
  return h(
    'ul',
    { role: 'listbox', 'aria-label': 'Conversations', className },
    conversations.map((conversation) =>
      h(
        'li',
        {
          key: conversation.id,
          role: 'option',
          tabIndex: 0,
          'aria-selected': conversation.id === selectedId,
          'data-unread': conversation.unreadCount > 0 || conversation.settings.markedUnread || undefined,
          'data-pinned': conversation.settings.pinnedAt !== null || undefined,
          'data-muted': conversation.settings.mutedUntil !== null || undefined,
          'data-archived': conversation.settings.archived || undefined,
          onClick: () => onSelect(conversation.id),
          onKeyDown: (event: KeyboardEvent) => onKeyDown(event, conversation.id),
        },
        h('span', { className: 'c4a-conversation-title' }, titleOf(conversation)),
        h('span', { className: 'c4a-conversation-last' }, conversation.lastMessage?.text ?? ''),
        conversation.settings.pinnedAt !== null ? h('span', { className: 'c4a-pinned', 'aria-label': 'Pinned' }, '📌') : null,
        conversation.settings.mutedUntil !== null ? h('span', { className: 'c4a-muted', 'aria-label': 'Muted' }, '🔕') : null,
        conversation.unreadCount > 0
          ? h('span', { className: 'c4a-unread', 'aria-label': `${conversation.unreadCount} unread` }, String(conversation.unreadCount))
          : conversation.settings.markedUnread
            ? h('span', { className: 'c4a-unread', 'aria-label': 'Marked unread' }, '')
            : null,
      ),
    ),
  );
}

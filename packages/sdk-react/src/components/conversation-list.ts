import type { ConversationSummary } from '@chat4all/sdk-js';
import { createElement as h, type KeyboardEvent } from 'react';
import { useConversations } from '../hooks.js';

export interface ConversationListProps {
  selectedId?: string | undefined;
  onSelect(conversationId: string): void;
  /** The name shown for a conversation. @default its title, else its id */
  titleOf?: (conversation: ConversationSummary) => string;
  className?: string;
}

/** The conversation list as a listbox: last message, unread badge, keyboard selection. */
export function ConversationList({
  selectedId,
  onSelect,
  titleOf = (c) => c.title ?? c.id,
  className = 'c4a-conversations',
}: ConversationListProps) {
  const conversations = useConversations();
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
          'data-unread': conversation.unreadCount > 0 || undefined,
          onClick: () => onSelect(conversation.id),
          onKeyDown: (event: KeyboardEvent) => onKeyDown(event, conversation.id),
        },
        h('span', { className: 'c4a-conversation-title' }, titleOf(conversation)),
        h('span', { className: 'c4a-conversation-last' }, conversation.lastMessage?.text ?? ''),
        conversation.unreadCount > 0
          ? h('span', { className: 'c4a-unread', 'aria-label': `${conversation.unreadCount} unread` }, String(conversation.unreadCount))
          : null,
      ),
    ),
  );
}

import { createElement as h, useEffect } from 'react';
import { useThread } from '../hooks.js';
import { Composer, type Mentionable } from './composer.js';
import { MessageList } from './message-list.js';
import { TypingIndicator } from './typing-indicator.js';

export interface ThreadProps {
  conversationId: string;
  /** The thread's root message. */
  rootId: string;
  /** The signed-in user, whose messages get status ticks. */
  userId?: string | null;
  /** A member's display name. @default the user id */
  nameOf?: (userId: string) => string | null | undefined;
  /** Who the composer offers after `@`. @default the conversation's members */
  members?: readonly Mentionable[];
  /** Shows a close button that calls it. */
  onClose?: () => void;
  className?: string;
}

/**
 * A thread panel, as Slack's: a header with the reply count and a close button, the root and its replies (older ones load
 * on scrolling up), and a composer that replies in the thread, with "Also send to the conversation". The thread is marked
 * read while it is open, as replies arrive; who types in the thread shows above the composer.
 */
export function Thread({ conversationId, rootId, userId = null, nameOf, members, onClose, className = 'c4a-thread' }: ThreadProps) {
  const { messages, unreadCount, markRead } = useThread(conversationId, rootId);
  useEffect(() => {
    if (unreadCount > 0) markRead().catch(() => {});
  }, [unreadCount, markRead]);
  const replies = messages.filter((m) => m.threadId === rootId).length;
  return h(
    'section',
    { className, 'aria-label': 'Thread' },
    h(
      'header',
      { className: 'c4a-thread-header' },
      h('h2', null, 'Thread'),
      h('span', { className: 'c4a-thread-count' }, `${replies} ${replies === 1 ? 'reply' : 'replies'}`),
      onClose ? h('button', { type: 'button', 'aria-label': 'Close thread', onClick: onClose }, '×') : null,
    ),
    h(MessageList, { conversationId, thread: rootId, userId, nameOf }),
    h(TypingIndicator, { conversationId, thread: rootId, nameOf: (id) => nameOf?.(id) || id }),
    h(Composer, { conversationId, thread: rootId, members, placeholder: 'Reply in thread' }),
  );
}

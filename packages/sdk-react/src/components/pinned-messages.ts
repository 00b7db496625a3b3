import { createElement as h } from 'react';
import { usePins } from '../hooks.js';

export interface PinnedMessagesProps {
  conversationId: string;
  /** A person's name for "pinned by". @default the user id */
  nameOf?: (userId: string) => string;
  /** Shows an unpin button on each pin (for members who may pin). @default false */
  canUnpin?: boolean;
  /** Called with a pin's message id when it is clicked, to scroll to the message. */
  onSelect?: (messageId: string) => void;
  className?: string;
}

/**
 * A conversation's pinned messages, newest first: each message's text (or its file's name), who pinned it, and an unpin
 * button when `canUnpin`. Nothing when there are none.
 */
export function PinnedMessages({
  conversationId,
  nameOf = (id) => id,
  canUnpin = false,
  onSelect,
  className = 'c4a-pins',
}: PinnedMessagesProps) {
  const { pins, unpin } = usePins(conversationId);
  if (pins.length === 0) return null;
  return h(
    'ul',
    { className, 'aria-label': 'Pinned messages' },
    ...pins.map(({ messageId, message, pinnedBy }) =>
      h(
        'li',
        { key: messageId, className: 'c4a-pin' },
        h(
          'button',
          { type: 'button', className: 'c4a-pin-message', onClick: () => onSelect?.(messageId) },
          message.text || message.attachment?.name || '',
        ),
        pinnedBy ? h('span', { className: 'c4a-pin-by' }, `pinned by ${nameOf(pinnedBy)}`) : null,
        canUnpin
          ? h(
              'button',
              { type: 'button', className: 'c4a-unpin', 'aria-label': 'Unpin', onClick: () => void unpin(messageId).catch(() => {}) },
              '×',
            )
          : null,
      ),
    ),
  );
}

import type { MessageStatus as Status } from '@chat4all/sdk-js';
import { createElement as h } from 'react';
import { useMessageStatus } from '../hooks.js';

const MARKS: Record<Status, string> = { pending: '○', sent: '✓', delivered: '✓✓', read: '✓✓', failed: '!' };
const LABELS: Record<Status, string> = { pending: 'Sending', sent: 'Sent', delivered: 'Delivered', read: 'Read', failed: 'Not sent' };

export interface MessageStatusProps {
  conversationId: string;
  messageId: string;
  className?: string;
}

/** Ticks for one message: ○ sending, ✓ sent, ✓✓ delivered, ✓✓ read (style `[data-status="read"]`), ! failed. */
export function MessageStatus({ conversationId, messageId, className = 'c4a-status' }: MessageStatusProps) {
  const status = useMessageStatus(conversationId, messageId);
  if (!status) return null;
  return h('span', { className, 'data-status': status, role: 'img', 'aria-label': LABELS[status], title: LABELS[status] }, MARKS[status]);
}

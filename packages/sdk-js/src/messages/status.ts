/** Where a message stands for its sender. */
export type MessageStatus = 'pending' | 'sent' | 'delivered' | 'read' | 'failed';

/**
 * What can happen to a message: the relay `acked` it; every other member has `delivered` or
 * `read` it; sending it `failed` for good; the app asked to `retry` it.
 */
export type MessageEvent = 'acked' | 'delivered' | 'read' | 'failed' | 'retry';

/**
 * The transition table. Status only moves forward: a missing entry means the event changes
 * nothing in that state (a delivered receipt after the read one, an ack replayed).
 */
export const MESSAGE_STATUS_TRANSITIONS: Record<MessageStatus, Partial<Record<MessageEvent, MessageStatus>>> = {
  pending: { acked: 'sent', failed: 'failed' },
  failed: { retry: 'pending' },
  sent: { delivered: 'delivered', read: 'read' },
  delivered: { read: 'read' },
  read: {},
};

export function nextMessageStatus(status: MessageStatus, event: MessageEvent): MessageStatus {
  return MESSAGE_STATUS_TRANSITIONS[status][event] ?? status;
}

/** A confirmed message's status from how many of its recipients received and read it: all of them count. */
export function statusFromReceipts(counts: { recipients: number; deliveredCount: number; readCount: number }): MessageStatus {
  const { recipients, deliveredCount, readCount } = counts;
  let status = nextMessageStatus('pending', 'acked');
  if (recipients > 0 && deliveredCount === recipients) status = nextMessageStatus(status, 'delivered');
  if (recipients > 0 && readCount === recipients) status = nextMessageStatus(status, 'read');
  return status;
}

/** An outbox entry's status: pending until acked, or failed until retried. */
export function statusInOutbox(entry: { status: 'pending' | 'failed' }): MessageStatus {
  return entry.status === 'failed' ? nextMessageStatus('pending', 'failed') : 'pending';
}

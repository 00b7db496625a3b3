import { describe, expect, it } from 'vitest';
import {
  MESSAGE_STATUS_TRANSITIONS,
  type MessageEvent,
  type MessageStatus,
  nextMessageStatus,
  statusFromReceipts,
  statusInOutbox,
} from './status.js';

const STATUSES: MessageStatus[] = ['pending', 'sent', 'delivered', 'read', 'failed'];
const EVENTS: MessageEvent[] = ['acked', 'delivered', 'read', 'failed', 'retry'];

describe('message status machine', () => {
  it.each([
    ['pending', 'acked', 'sent'],
    ['pending', 'failed', 'failed'],
    ['failed', 'retry', 'pending'],
    ['sent', 'delivered', 'delivered'],
    ['sent', 'read', 'read'],
    ['delivered', 'read', 'read'],
  ] as const)('%s --%s--> %s', (from, event, to) => {
    expect(nextMessageStatus(from, event)).toBe(to);
  });

  it('has no edge but those six', () => {
    const edges = STATUSES.flatMap((from) => EVENTS.filter((event) => MESSAGE_STATUS_TRANSITIONS[from][event]).map((e) => `${from}:${e}`));
    expect(edges).toEqual(['pending:acked', 'pending:failed', 'sent:delivered', 'sent:read', 'delivered:read', 'failed:retry']);
  });

  it('never moves backward: a late delivered receipt, a replayed ack, a failure after the ack change nothing', () => {
    expect(nextMessageStatus('read', 'delivered')).toBe('read');
    expect(nextMessageStatus('delivered', 'delivered')).toBe('delivered');
    expect(nextMessageStatus('sent', 'acked')).toBe('sent');
    expect(nextMessageStatus('sent', 'failed')).toBe('sent');
    expect(nextMessageStatus('read', 'retry')).toBe('read');
    expect(nextMessageStatus('failed', 'acked')).toBe('failed');
  });

  it('a confirmed message is delivered or read once every recipient is', () => {
    expect(statusFromReceipts({ recipients: 0, deliveredCount: 0, readCount: 0 })).toBe('sent');
    expect(statusFromReceipts({ recipients: 2, deliveredCount: 1, readCount: 1 })).toBe('sent');
    expect(statusFromReceipts({ recipients: 2, deliveredCount: 2, readCount: 1 })).toBe('delivered');
    expect(statusFromReceipts({ recipients: 2, deliveredCount: 2, readCount: 2 })).toBe('read');
  });

  it('an outbox entry is pending or failed', () => {
    expect(statusInOutbox({ status: 'pending' })).toBe('pending');
    expect(statusInOutbox({ status: 'failed' })).toBe('failed');
  });
});

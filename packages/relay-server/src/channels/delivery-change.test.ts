import { describe, expect, it } from 'vitest';
import type { DeliveryPatch, DeliveryRecord } from '../store/types.js';
import { applyDeliveryPatch } from './delivery-change.js';

const delivery = (over: Partial<DeliveryRecord> = {}): DeliveryRecord => ({
  id: 'd1',
  messageId: 'm1',
  conversationId: 'c1',
  contactId: 'contact:1',
  seq: 3,
  channelId: 'wa-main',
  channel: 'whatsapp',
  recipientId: '5511999990000',
  status: 'pending',
  externalId: null,
  error: null,
  attempts: 0,
  nextAttemptAt: 100,
  dead: false,
  history: [],
  parts: [],
  partStatuses: [],
  createdAt: 100,
  updatedAt: 100,
  ...over,
});
const apply = (patch: DeliveryPatch, current = delivery()) => applyDeliveryPatch(current, patch, 500);
const error = { code: 'CHANNEL_REJECTED', platformCode: '131026', message: 'not on WhatsApp' };

describe('applyDeliveryPatch', () => {
  it('applies the fields and stamps the time', () => {
    expect(apply({ status: 'sent', externalId: 'wamid.1', attempts: 1 }).next).toEqual(
      delivery({ status: 'sent', externalId: 'wamid.1', attempts: 1, updatedAt: 500 }),
    );
  });

  it('appends a history entry, keeping the earlier ones', () => {
    const current = delivery({ history: [{ status: 'retrying', at: 200 }] });
    expect(apply({ history: { status: 'sent', at: 300 } }, current).next.history).toEqual([
      { status: 'retrying', at: 200 },
      { status: 'sent', at: 300 },
    ]);
  });

  it('shows members a new status, platform id, dead letter or history entry', () => {
    expect(apply({ status: 'sent' }).visible).toBe(true);
    expect(apply({ externalId: 'wamid.1' }).visible).toBe(true);
    expect(apply({ dead: true }).visible).toBe(true);
    expect(apply({ history: { status: 'retrying', at: 300 } }).visible).toBe(true);
  });

  it('shows members a new error, not the same one again', () => {
    expect(apply({ error }).visible).toBe(true);
    expect(apply({ error: { ...error } }, delivery({ error })).visible).toBe(false);
    expect(apply({ error: null }, delivery({ error })).visible).toBe(true);
  });

  it('keeps an attempt’s count and time, or a leg to another channel, to the dispatcher', () => {
    expect(apply({ attempts: 2, nextAttemptAt: 900 }).visible).toBe(false);
    expect(apply({ channelId: 'wa-other', recipientId: '5511888880000' }).visible).toBe(false);
  });

  it('shows nothing for a patch that changes nothing', () => {
    expect(apply({ status: 'pending' }).visible).toBe(false);
  });

  it('gives each of several parts a status, sent until the platform says more', () => {
    const { next, visible } = apply({ parts: ['p1', 'p2', 'p3'], partStatuses: ['delivered'] });
    expect(next.partStatuses).toEqual(['delivered', 'sent', 'sent']);
    expect(visible).toBe(true);
  });

  it('gives a single part no status of its own', () => {
    expect(apply({ parts: ['p1'], partStatuses: ['read'] }).next.partStatuses).toEqual([]);
  });

  it('shows members a part that moved on', () => {
    const current = delivery({ parts: ['p1', 'p2'], partStatuses: ['sent', 'sent'] });
    expect(apply({ partStatuses: ['read', 'sent'] }, current).visible).toBe(true);
    expect(apply({ partStatuses: ['sent', 'sent'] }, current).visible).toBe(false);
  });
});

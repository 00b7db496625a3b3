import { describe, expect, it } from 'vitest';
import type { ReceiptInput } from '../store/types.js';
import { moveHorizons } from './receipts.js';

const receipt = (kind: ReceiptInput['kind'], seq: number): ReceiptInput => ({ conversationId: 'c1', userId: 'bob', kind, seq, now: 1 });

describe('moveHorizons', () => {
  it('moves delivered to the seq, leaving read', () => {
    expect(moveHorizons(receipt('delivered', 5), 2, 1, 10)).toEqual({ ok: true, deliveredSeq: 5, readSeq: 1, eventSeq: null });
  });

  it('moves read to the seq, and delivered with it', () => {
    expect(moveHorizons(receipt('read', 5), 2, 1, 10)).toEqual({ ok: true, deliveredSeq: 5, readSeq: 5, eventSeq: null });
  });

  it('keeps delivered when a read stays behind it', () => {
    expect(moveHorizons(receipt('read', 4), 8, 1, 10)).toEqual({ ok: true, deliveredSeq: 8, readSeq: 4, eventSeq: null });
  });

  it('never moves a horizon back', () => {
    expect(moveHorizons(receipt('delivered', 3), 6, 4, 10)).toEqual({ ok: true, deliveredSeq: 6, readSeq: 4, eventSeq: null });
    expect(moveHorizons(receipt('read', 3), 6, 4, 10)).toEqual({ ok: true, deliveredSeq: 6, readSeq: 4, eventSeq: null });
  });

  it('never moves a horizon past the conversation’s last seq', () => {
    expect(moveHorizons(receipt('delivered', 99), 2, 1, 10)).toEqual({ ok: true, deliveredSeq: 10, readSeq: 1, eventSeq: null });
    expect(moveHorizons(receipt('read', 99), 2, 1, 10)).toEqual({ ok: true, deliveredSeq: 10, readSeq: 10, eventSeq: null });
  });

  it('leaves both where they are for a repeated receipt', () => {
    expect(moveHorizons(receipt('read', 5), 5, 5, 10)).toEqual({ ok: true, deliveredSeq: 5, readSeq: 5, eventSeq: null });
  });
});

import type { InboundEvent } from '@chat4all/connectors';
import { describe, expect, it } from 'vitest';
import { usableEvents } from './inbound-events.js';

const message = (over: Record<string, unknown> = {}) =>
  ({
    kind: 'message',
    externalId: '5:1',
    conversationKey: '5',
    from: { id: '5', name: 'Ana', username: null },
    text: 'hi',
    file: null,
    sentAt: '2026-12-01T10:00:00.000Z',
    replyToExternalId: null,
    ...over,
  }) as InboundEvent;

describe('updates a connector made by itself', () => {
  it('keeps the ones the store can take, in order, and passes over the others with the reason', () => {
    const dropped: string[] = [];
    const events = [
      message({ externalId: '5:1' }),
      message({ externalId: '5:2', text: 'nul \u0000' }),
      message({ externalId: '5:3', sentAt: '2026-13-45Tnope' }),
      message({ externalId: 'x'.repeat(300) }),
      message({ externalId: '5:5' }),
    ];
    const usable = usableEvents(events, (_event, why) => dropped.push(why));
    expect(usable.map((e) => (e.kind === 'message' ? e.externalId : ''))).toEqual(['5:1', '5:5']);
    expect(dropped).toHaveLength(3);
    expect(dropped[0]).toContain('U+0000');
    expect(dropped[1]).toBe('its date is not a date');
  });
});

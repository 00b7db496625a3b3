import { describe, expect, it } from 'vitest';
import { CHANNEL_CAPABILITIES, channelWindow } from '../src/index.js';

const HOUR = 3_600_000;
const at = Date.parse('2026-12-01T12:00:00.000Z');

describe('channelWindow', () => {
  it('WhatsApp: open for 24 hours after the contact wrote, then templates only; never opened is templates only', () => {
    expect(channelWindow('whatsapp', at, at + 23 * HOUR)).toEqual({
      state: 'open',
      windowOpenUntil: '2026-12-02T12:00:00.000Z',
      humanAgentUntil: null,
      templateRequired: false,
    });
    expect(channelWindow('whatsapp', at, at + 25 * HOUR)).toMatchObject({ state: 'template-only', templateRequired: true });
    expect(channelWindow('whatsapp', null, at)).toMatchObject({ state: 'template-only', windowOpenUntil: null, templateRequired: true });
  });

  it('Messenger and Instagram: open for 24 hours, a person’s reply for 7 days, then closed', () => {
    for (const channel of ['messenger', 'instagram'] as const) {
      expect(channelWindow(channel, at, at + HOUR)).toMatchObject({ state: 'open', humanAgentUntil: '2026-12-08T12:00:00.000Z' });
      expect(channelWindow(channel, at, at + 3 * 24 * HOUR)).toMatchObject({ state: 'human-agent', templateRequired: false });
      expect(channelWindow(channel, at, at + 8 * 24 * HOUR)).toMatchObject({ state: 'closed', templateRequired: false });
      expect(channelWindow(channel, null, at)).toMatchObject({ state: 'closed' });
    }
  });

  it('Telegram and the generic channels have no window', () => {
    for (const channel of ['telegram', 'webhook', 'loopback'] as const)
      expect(channelWindow(channel, null, at)).toEqual({
        state: 'always',
        windowOpenUntil: null,
        humanAgentUntil: null,
        templateRequired: false,
      });
    expect(CHANNEL_CAPABILITIES.instagram.text).toEqual({ limit: 1000, unit: 'bytes' });
  });
});

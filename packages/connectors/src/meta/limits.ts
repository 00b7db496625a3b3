import { CHANNEL_CAPABILITIES, channelWindow } from '@chat4all/protocol';
import type { TextUnit } from '../text.js';
import type { OutboundMessage } from '../types.js';

/* What the Send API lets through: text and attachment sizes per platform, and the messaging windows. */

/** The Send API's attachment types, with each kind's largest size from the capability table. */
function attachmentLimits(channel: 'messenger' | 'instagram') {
  const { image, video, audio, document } = CHANNEL_CAPABILITIES[channel].fileMaxBytes;
  return { image, video, audio, file: document };
}

/**
 * Limits of the Send API per platform: the text of one message (Messenger 2,000 characters;
 * Instagram 1,000 bytes of UTF-8) and attachment sizes by kind.
 */
export const META_LIMITS = {
  messenger: {
    text: CHANNEL_CAPABILITIES.messenger.text.limit,
    unit: 'codepoints',
    attachment: attachmentLimits('messenger'),
  },
  instagram: {
    text: CHANNEL_CAPABILITIES.instagram.text.limit,
    unit: 'bytes',
    attachment: attachmentLimits('instagram'),
  },
} as const satisfies Record<string, { text: number; unit: TextUnit; attachment: Record<string, number> }>;

/**
 * Meta's messaging windows: a standard reply within 24 hours of the person's last message;
 * after that, only a person (not an automated message) may answer, within 7 days, tagged
 * `HUMAN_AGENT`. A person known never to have written has no window; when the caller does not
 * say (`lastInboundAt` absent), the platform judges.
 */
export function messagingWindow(
  message: Pick<OutboundMessage, 'human' | 'lastInboundAt'>,
  now: number,
  channel: 'messenger' | 'instagram' = 'messenger',
): 'open' | 'human-agent' | 'closed' {
  // Not known (the caller did not say): left to the platform. Known never to have written: no window.
  if (message.lastInboundAt === undefined) return 'open';
  const last = message.lastInboundAt === null ? null : Date.parse(message.lastInboundAt);
  if (last !== null && Number.isNaN(last)) return 'open';
  const { state } = channelWindow(channel, last, now);
  if (state === 'open') return 'open';
  return state === 'human-agent' && message.human ? 'human-agent' : 'closed';
}

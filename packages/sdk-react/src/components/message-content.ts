import type { ChatMessage, MessageContent as Content } from '@chat4all/sdk-js';
import { createElement as h } from 'react';

export interface MessageContentProps {
  message: ChatMessage;
  className?: string;
}

/** Kinds whose message text only repeats the content (the relay writes it for clients that show text alone). */
const TEXT_IN_CONTENT: ReadonlySet<Content['type']> = new Set(['location', 'contacts', 'choice']);

/** Whether a message's text says no more than its content, so a row that shows the content leaves the text out. */
export function textInContent(message: ChatMessage): boolean {
  return message.content !== null && TEXT_IN_CONTENT.has(message.content.type);
}

/** A map pin, drawn (no emoji font needed). */
const PIN = h(
  'svg',
  { viewBox: '0 0 24 24', width: 16, height: 16, 'aria-hidden': true, focusable: false },
  h('path', {
    fill: 'currentColor',
    d: 'M12 2a7 7 0 0 0-7 7c0 5.2 7 13 7 13s7-7.8 7-13a7 7 0 0 0-7-7zm0 9.5A2.5 2.5 0 1 1 12 6.5a2.5 2.5 0 0 1 0 5z',
  }),
);

const LABELS: Partial<Record<Content['type'], string>> = {
  voice: 'Voice message',
  video_note: 'Round video',
  story_reply: 'Replied to a story',
};

/**
 * What a message from an external channel carries beyond text and file: a place (a link to the
 * map, built from its coordinates only), contact cards, the button or list choice made, that a file
 * is a sticker, a voice note or a round video, a story reply, or the platform's type of a message
 * that cannot be shown. Nothing for a message without `content`. Addresses the platform sent are
 * text, never links.
 */
export function MessageContent({ message, className = 'c4a-content' }: MessageContentProps) {
  const content = message.content;
  if (!content) return null;
  const props = { className, 'data-type': content.type };
  switch (content.type) {
    case 'location': {
      const { latitude, longitude } = content;
      const map = `https://www.openstreetmap.org/?mlat=${latitude}&mlon=${longitude}#map=16/${latitude}/${longitude}`;
      const place = [content.name, content.address].filter(Boolean).join(' — ') || `${latitude.toFixed(5)}, ${longitude.toFixed(5)}`;
      return h('a', { ...props, href: map, target: '_blank', rel: 'noopener noreferrer' }, PIN, place);
    }
    case 'contacts':
      return h(
        'ul',
        { ...props, 'aria-label': 'Shared contacts' },
        content.contacts.map((card, index) =>
          h(
            'li',
            { key: index },
            h('strong', null, card.name),
            card.organization ? h('span', null, card.organization) : null,
            card.phones.map((p, i) => h('span', { key: `p${i}` }, p.type ? `${p.phone} (${p.type})` : p.phone)),
            card.emails.map((email, i) => h('span', { key: `e${i}` }, email)),
          ),
        ),
      );
    case 'choice':
      return h(
        'p',
        { ...props, title: `payload: ${content.payload}` },
        'Chose ',
        h('strong', null, `“${content.title}”`),
        content.description ? h('span', null, ` — ${content.description}`) : null,
      );
    case 'sticker':
      return h('p', props, content.emoji ? `Sticker ${content.emoji}` : 'Sticker');
    case 'unsupported':
      return h('p', props, `This ${content.platformType} message cannot be shown here`);
    default:
      return h('p', props, LABELS[content.type] ?? content.type);
  }
}

import type { Message, SearchHighlight } from '@chat4all/sdk-js';
import { createElement as h, type ReactNode } from 'react';
import { useConversations, useMessageSearch, useUser } from '../hooks.js';
import { whenOf } from './time.js';

export interface MessageSearchProps {
  /** What the user typed; its last word matches words it begins (`word*`). Nothing is asked under 2 characters. */
  query: string;
  /** Only this conversation's messages. @default every conversation the user is in */
  conversationId?: string;
  /** Called with the message the user picks (open its conversation, or its thread). */
  onOpen: (message: Message) => void;
  /** At most this many results. @default 10 */
  limit?: number;
  className?: string;
}

/** The query as typed, its last word made a prefix when it ends in a letter or digit. */
export function prefixQuery(typed: string): string {
  const query = typed.trim();
  return /[\p{L}\p{M}\p{N}]$/u.test(query) ? `${query}*` : query;
}

/** The text with the matched ranges marked (`mark`), as text: offsets, never markup; ranges in any order, overlaps merged. */
export function highlighted(text: string, highlights: readonly SearchHighlight[]): ReactNode[] {
  const parts: ReactNode[] = [];
  let at = 0;
  for (const range of [...highlights].sort((a, b) => a.start - b.start)) {
    const start = Math.max(range.start, at);
    const end = Math.min(range.end, text.length);
    if (end <= start) continue;
    if (start > at) parts.push(text.slice(at, start));
    parts.push(h('mark', { key: start }, text.slice(start, end)));
    at = end;
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}

/**
 * Messages that match what the user types, newest first, from the relay's full-text search: a
 * region labelled "Messages found" of buttons, each the conversation's name as the list gives
 * it (the sender's within one conversation), when, and the text with the matches marked. Nothing while the query
 * is shorter than 2 characters or nothing matches.
 */
export function MessageSearch({ query, conversationId, onOpen, limit = 10, className = 'c4a-search-results' }: MessageSearchProps) {
  const typed = query.trim().length >= 2 ? prefixQuery(query) : '';
  const { results } = useMessageSearch(typed, conversationId ? { conversationId, limit } : { limit });
  if (!typed || results.length === 0) return null;
  return h(
    'section',
    { className, 'aria-label': 'Messages found' },
    h(
      'ul',
      null,
      results.map(({ message, highlights }) =>
        h('li', { key: message.id }, h(SearchResultButton, { message, highlights, scoped: conversationId !== undefined, onOpen })),
      ),
    ),
  );
}

function SearchResultButton({
  message,
  highlights,
  scoped,
  onOpen,
}: {
  message: Message;
  highlights: readonly SearchHighlight[];
  scoped: boolean;
  onOpen: (message: Message) => void;
}) {
  const conversation = useConversations().find((c) => c.id === message.conversationId);
  // Across conversations, each is named as the list names it (a private one by the other member); within one, by who wrote.
  const peer = useUser(!scoped && !conversation?.title ? (conversation?.peerId ?? null) : null);
  const sender = useUser(scoped ? message.senderId : null);
  const title = scoped
    ? sender?.displayName || message.senderId || 'System'
    : conversation?.title || peer?.displayName || conversation?.peerId || 'Conversation';
  return h(
    'button',
    { type: 'button', onClick: () => onOpen(message) },
    h('strong', null, title),
    h('time', { dateTime: message.createdAt }, whenOf(message.createdAt)),
    h('span', null, highlighted(message.text, highlights)),
  );
}

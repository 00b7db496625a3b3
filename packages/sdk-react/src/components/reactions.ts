import { createElement as h } from 'react';
import { useReactions } from '../hooks.js';

export interface ReactionsProps {
  conversationId: string;
  messageId: string;
  /** Reactions offered to add, besides those the message has. @default none */
  choices?: readonly string[];
  /** A person's name for the button titles. @default the user id */
  nameOf?: (userId: string) => string;
  className?: string;
}

/**
 * A message's reactions as buttons (the key and its count; pressed when the user reacted with
 * it) that add or take back the user's reaction, then a button for each of `choices` not used yet.
 */
export function Reactions({ conversationId, messageId, choices = [], nameOf = (id) => id, className = 'c4a-reactions' }: ReactionsProps) {
  const { reactions, toggle } = useReactions(conversationId, messageId);
  const unused = choices.filter((key) => !reactions.some((r) => r.key === key));
  if (reactions.length === 0 && unused.length === 0) return null;
  const button = (key: string, count: number, mine: boolean, who: string) =>
    h(
      'button',
      {
        key,
        type: 'button',
        className: 'c4a-reaction',
        'aria-pressed': mine,
        title: who,
        onClick: () => void toggle(key).catch(() => {}),
      },
      count > 0 ? `${key} ${count}` : key,
    );
  return h(
    'span',
    { className, role: 'group', 'aria-label': 'Reactions' },
    ...reactions.map((r) => button(r.key, r.count, r.mine, `${r.key}: ${r.userIds.map(nameOf).join(', ')}`)),
    ...unused.map((key) => button(key, 0, false, `React with ${key}`)),
  );
}

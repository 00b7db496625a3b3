import { createElement as h } from 'react';
import { useTyping, useUsers } from '../hooks.js';

export interface TypingIndicatorProps {
  conversationId: string;
  /** Who types in this root's thread instead of the conversation. */
  thread?: string;
  /** Display names for user ids. @default their profiles' display names */
  nameOf?: (userId: string) => string;
  className?: string;
}

/** "Ana is typing…", announced politely to screen readers; nothing when nobody types. */
export function TypingIndicator({ conversationId, thread, nameOf: given, className = 'c4a-typing' }: TypingIndicatorProps) {
  const typing = useTyping(conversationId, thread);
  const profiles = useUsers(given ? [] : typing);
  const nameOf = given ?? ((id: string) => profiles.get(id)?.displayName || id);
  const text =
    typing.length === 0
      ? ''
      : typing.length === 1
        ? `${nameOf(typing[0] as string)} is typing…`
        : `${typing.map(nameOf).join(', ')} are typing…`;
  return h('div', { className, 'aria-live': 'polite' }, text);
}

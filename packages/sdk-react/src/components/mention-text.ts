import { type ChatMessage, mentionSegments } from '@chat4all/sdk-js';
import { createElement as h } from 'react';

export interface MentionTextProps {
  message: Pick<ChatMessage, 'text' | 'mentions' | 'mentionsAll'>;
  /** A member's display name, as the text writes their mentions (`@Name`). @default the user id */
  nameOf?: (userId: string) => string | null | undefined;
}

/** A message's text with its mentions highlighted: each a `mark.c4a-mention` naming the member (`data-user-id`, none for `@all`). */
export function MentionText({ message, nameOf }: MentionTextProps) {
  return h(
    'span',
    null,
    mentionSegments(message, nameOf).map((segment, i) =>
      segment.type === 'text'
        ? segment.text
        : h('mark', { key: i, className: 'c4a-mention', 'data-user-id': segment.userId ?? undefined }, segment.text),
    ),
  );
}

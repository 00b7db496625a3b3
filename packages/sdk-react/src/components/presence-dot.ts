import { createElement as h } from 'react';
import { usePresence } from '../hooks.js';

export interface PresenceDotProps {
  userId: string;
  className?: string;
}

/** A dot for a user's presence; style it with `[data-status="online" | "away" | "offline"]`. */
export function PresenceDot({ userId, className = 'c4a-presence' }: PresenceDotProps) {
  const { status } = usePresence(userId);
  return h('span', { className, 'data-status': status, role: 'img', 'aria-label': status, title: status });
}

import { type CSSProperties, createElement as h } from 'react';
import { useUser } from '../hooks.js';

export interface AvatarProps {
  /** A user whose profile gives the name and picture (loaded once per client). */
  userId?: string | null;
  /** The name for the initials and the label, when there is no user or they have no display name. */
  name?: string | null;
  /** A picture, instead of the user's `avatarUrl` (a group's). Only `https:` and `http:` are shown. */
  src?: string | null;
  /** Diameter in px. @default 36 */
  size?: number;
  /** Hidden from screen readers, for an avatar beside the name it would repeat. @default false */
  decorative?: boolean;
  className?: string;
}

/** Up to two initials: "Ana Lima" → "AL", "bob" → "B". */
export function initialsOf(name: string): string {
  const words = name.trim().split(/\s+/u).filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : words.slice(0, 1);
  return letters.map((word) => Array.from(word as string)[0]?.toUpperCase() ?? '').join('');
}

/** A hue from a name, the same everywhere it is drawn. */
export function hueOf(name: string): number {
  let hash = 0;
  for (const char of name) hash = (Math.imul(hash, 31) + (char.codePointAt(0) ?? 0)) | 0;
  return Math.abs(hash) % 360;
}

function safeImage(src: string | null | undefined): string | null {
  if (!src) return null;
  try {
    const { protocol } = new URL(src);
    return protocol === 'https:' || protocol === 'http:' ? src : null;
  } catch {
    return null;
  }
}

/**
 * A person's or a group's picture: their `avatarUrl`, else their initials on a colour drawn from
 * the name (`--c4a-avatar-hue`). Labelled with the name for screen readers.
 */
export function Avatar({ userId, name, src, size = 36, decorative = false, className = 'c4a-avatar' }: AvatarProps) {
  const user = useUser(userId);
  const label = user?.displayName || name || userId || '?';
  const image = safeImage(src ?? user?.avatarUrl);
  const style = { width: size, height: size, fontSize: Math.round(size * 0.4), '--c4a-avatar-hue': hueOf(label) } as CSSProperties;
  const named = decorative ? { 'aria-hidden': true } : { role: 'img', 'aria-label': label };
  return image
    ? h('img', {
        className,
        src: image,
        alt: decorative ? '' : label,
        width: size,
        height: size,
        style,
        loading: 'lazy',
        referrerPolicy: 'no-referrer',
      })
    : h('span', { className, ...named, style }, initialsOf(label));
}

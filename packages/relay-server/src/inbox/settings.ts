import type { PlanSettings, SettingsFacts } from '../store/types.js';

/** A mute whose time has passed is no mute. */
const mutedAt = (mutedUntil: number | null, now: number): number | null => (mutedUntil !== null && mutedUntil > now ? mutedUntil : null);

/**
 * A member's settings after a patch, as WhatsApp keeps an inbox: an archived conversation is
 * not pinned (archiving unpins, pinning unarchives), pinning one already pinned keeps its
 * place, and pinning past `maxPinned` is refused. `null` when nothing would change.
 */
export function planSettings(maxPinned: number): PlanSettings {
  return (current, pinnedCount, { patch, now }) => {
    const next: SettingsFacts = { ...current, mutedUntil: mutedAt(current.mutedUntil, now) };
    if (patch.mutedUntil !== undefined) next.mutedUntil = mutedAt(patch.mutedUntil, now);
    if (patch.markedUnread !== undefined) next.markedUnread = patch.markedUnread;
    if (patch.archived !== undefined) next.archived = patch.archived;
    if (patch.archived === true) next.pinnedAt = null;
    if (patch.pinned === false) next.pinnedAt = null;
    if (patch.pinned === true) {
      next.archived = false;
      if (current.pinnedAt === null) {
        if (pinnedCount >= maxPinned) return 'TOO_MANY_PINNED_CONVERSATIONS';
        next.pinnedAt = now;
      }
    }
    const same =
      next.mutedUntil === mutedAt(current.mutedUntil, now) &&
      next.archived === current.archived &&
      next.pinnedAt === current.pinnedAt &&
      next.markedUnread === current.markedUnread;
    return same ? null : next;
  };
}

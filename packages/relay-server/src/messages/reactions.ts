import type { ReactionPlan, StoredReactions } from '../store/types.js';

export type { ReactionPlan, StoredReactions } from '../store/types.js';

/** What a user does: add or take back one reaction, or (a contact on a platform that reports them whole) have exactly these. */
export type ReactionChange = { add: string } | { remove: string } | { set: readonly string[] };

export interface ReactionLimits {
  /** A user's reactions on one message; a new one past it replaces their oldest. */
  perUser: number;
  /** Different keys on one message. */
  keysPerMessage: number;
}

/**
 * The reactions after `userId`'s change, or null when it changes nothing (so a repeated
 * request records no event). A key past `keysPerMessage` is refused for an app user; from a
 * contact's whole set (`set`), keys the message has no room for are left out.
 */
export function planReactions(
  current: StoredReactions,
  userId: string,
  change: ReactionChange,
  limits: ReactionLimits,
  now: number,
): ReactionPlan {
  const mine = current
    .flatMap(({ key, by }) => by.filter(([user]) => user === userId).map(([, at]) => ({ key, at })))
    .sort((a, b) => a.at - b.at);
  let wanted: string[];
  if ('add' in change) {
    if (mine.some((r) => r.key === change.add)) return null;
    wanted = [...mine.map((r) => r.key), change.add].slice(-limits.perUser);
  } else if ('remove' in change) {
    if (!mine.some((r) => r.key === change.remove)) return null;
    wanted = mine.map((r) => r.key).filter((key) => key !== change.remove);
  } else {
    wanted = [...new Set(change.set)].slice(-limits.perUser);
  }
  const keep = new Set(wanted);
  const had = new Set(mine.map((r) => r.key));
  if (keep.size === had.size && [...keep].every((key) => had.has(key))) return null;
  const next: StoredReactions = current
    .map(({ key, by }) => ({ key, by: keep.has(key) || !had.has(key) ? by : by.filter(([user]) => user !== userId) }))
    .filter(({ by }) => by.length > 0);
  for (const key of wanted) {
    if (had.has(key)) continue;
    const entry = next.find((r) => r.key === key);
    if (entry) entry.by = [...entry.by, [userId, now]];
    else if (next.length < limits.keysPerMessage) next.push({ key, by: [[userId, now]] });
    else if (!('set' in change)) return { ok: false, code: 'TOO_MANY_REACTIONS' };
  }
  return { ok: true, reactions: next };
}

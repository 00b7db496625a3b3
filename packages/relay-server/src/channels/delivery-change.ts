import type { ApplyDeliveryPatch, DeliveryRecord } from '../store/types.js';

export type { ApplyDeliveryPatch } from '../store/types.js';

/**
 * A delivery with a patch applied, and whether members see the change: its status, error,
 * platform id, dead letter, parts or a history entry (those record a `delivery.updated`
 * event); a new attempt time or count alone is the dispatcher's business. With several parts
 * each has a status, `sent` until the platform says more; a single part has none of its own.
 */
export const applyDeliveryPatch: ApplyDeliveryPatch = (current, patch, now) => {
  const { history, ...fields } = patch;
  const merged: DeliveryRecord = {
    ...current,
    ...fields,
    updatedAt: now,
    history: history ? [...current.history, history] : current.history,
  };
  const next: DeliveryRecord = {
    ...merged,
    partStatuses: merged.parts.length > 1 ? merged.parts.map((_, i) => merged.partStatuses[i] ?? 'sent') : [],
  };
  const visible =
    history !== undefined ||
    next.status !== current.status ||
    next.externalId !== current.externalId ||
    next.dead !== current.dead ||
    next.parts.length !== current.parts.length ||
    next.partStatuses.join() !== current.partStatuses.join() ||
    JSON.stringify(next.error) !== JSON.stringify(current.error);
  return { next, visible };
};

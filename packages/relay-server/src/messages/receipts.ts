import type { MoveHorizons } from '../store/types.js';

export type { MoveHorizons } from '../store/types.js';

/**
 * A member's delivered and read horizons after a receipt: each only moves forward and never
 * past the conversation's last seq, and reading a message means it was delivered too.
 */
export const moveHorizons: MoveHorizons = (input, deliveredSeq, readSeq, lastSeq) => {
  const target = Math.min(input.seq, lastSeq);
  const read = input.kind === 'read' ? Math.max(readSeq, target) : readSeq;
  return { ok: true, deliveredSeq: Math.max(deliveredSeq, input.kind === 'read' ? read : target), readSeq: read, eventSeq: null };
};

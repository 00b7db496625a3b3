/** An epoch-milliseconds time (PostgreSQL's int8 may arrive as a string) as ISO 8601 in UTC. */
export const iso = (ms: number | string): string => new Date(Number(ms)).toISOString();

export const isoOrNull = (ms: number | string | null): string | null => (ms === null ? null : iso(ms));

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/** Processes named exactly `name` (pgrep -x), e.g. the PostgreSQL backends or Redis. */
export function pidsNamed(name: string): number[] {
  try {
    return execFileSync('pgrep', ['-x', name]).toString().trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function ticks(pid: number): number | undefined {
  try {
    // Fields after the command (which may hold spaces) start at state; utime and stime are the 12th and 13th.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/**
 * CPU time spent by groups of processes between `cpuUsage()` and `stop()`, in µs per
 * message. Groups are found again at the end, so processes started meanwhile (a
 * connection pool's new backends) count from zero. Linux only; empty elsewhere.
 */
export function cpuUsage(groups: Record<string, () => number[]>): { stop(messages: number): Record<string, number> } {
  const snapshot = () =>
    Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, new Map(pids().map((pid) => [pid, ticks(pid) ?? 0] as const))]));
  const before = snapshot();
  return {
    stop(messages) {
      const after = snapshot();
      return Object.fromEntries(
        Object.entries(after).map(([name, pids]) => {
          let spent = 0;
          for (const [pid, t] of pids) spent += t - (before[name]?.get(pid) ?? 0);
          return [name, ((spent / TICKS_PER_SECOND) * 1e6) / messages];
        }),
      );
    },
  };
}

/** What all the groups of one `stop()` spent together, in µs per message. */
export function totalOf(spent: Record<string, number>): number {
  return Object.values(spent).reduce((sum, us) => sum + us, 0);
}

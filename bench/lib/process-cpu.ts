// CPU time of processes from /proc (Linux): user + system, in microseconds, to split a
// benchmark's cost between Envoy and Portcullis.
import { readdirSync, readFileSync } from 'node:fs';

const TICK_US = 1_000_000 / 100; // USER_HZ is 100 on Linux

function stat(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // fields after the command name (which may contain spaces) start after the last ')'
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

/** user + system CPU of `pid` so far, µs (0 when the process is gone). */
export function cpuMicros(pid: number): number {
  const f = stat(pid);
  if (!f) return 0;
  return (Number(f[11]) + Number(f[12])) * TICK_US;
}

/** Direct children of `pid`. */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const f = stat(Number(name));
    if (f && Number(f[1]) === pid) out.push(Number(name));
  }
  return out;
}

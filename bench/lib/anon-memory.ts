// A process's anonymous memory from /proc (Linux): RssAnon from /proc/PID/status, sampled while a
// load runs (its high-water mark), and a breakdown of /proc/PID/smaps by kind of mapping, for the
// memory rows of `-- e2e` and `-- memory` (docs/performance.md "Memory").
import { readFileSync } from 'node:fs';

const MB = 1024; // smaps and status count kB

/** RssAnon of a process, MB (NaN when it is gone). */
export function anonMb(pid: number): number {
  try {
    const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / MB : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Samples RssAnon every `everyMs` until stopped; resolves to the highest figure, MB. */
export function sampleAnonPeak(pid: number, everyMs = 100): { stop(): number } {
  let peak = anonMb(pid);
  const timer = setInterval(() => {
    const now = anonMb(pid);
    if (now > peak || Number.isNaN(peak)) peak = now;
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const now = anonMb(pid);
      return Number.isNaN(peak) || now > peak ? now : peak;
    },
  };
}

interface Mapping {
  readonly start: number;
  readonly end: number;
  readonly perms: string;
  readonly path: string;
  /** Anonymous kB (smaps' `Anonymous:`). */
  anon: number;
}

function readMappings(pid: number): Mapping[] {
  const out: Mapping[] = [];
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      out.push({
        start: Number.parseInt(head[1]!, 16),
        end: Number.parseInt(head[2]!, 16),
        perms: head[3]!,
        path: head[4]!,
        anon: 0,
      });
      continue;
    }
    const anon = /^Anonymous:\s+(\d+) kB/.exec(line);
    if (anon && out.length > 0) out[out.length - 1]!.anon += Number(anon[1]);
  }
  return out;
}

const ARENA = 64 * 2 ** 20; // glibc's HEAP_MAX_SIZE on 64-bit: a thread arena's reservation
const V8_PAGE = 256 * 2 ** 10; // V8's regular heap page

/**
 * Anonymous memory of a process by kind of mapping, MB: glibc's main arena (`[heap]`, brk), the
 * glibc thread arenas (64 MB-aligned reservations whose readable part is what they use), V8-like
 * mappings (unnamed, 256 KB-aligned and a multiple of 256 KB: V8's heap pages, and large
 * malloc/mmap chunks that happen to align), other unnamed mappings, file mappings' private copies
 * (relocated data of node and its libraries), and thread stacks.
 */
export function anonBreakdown(pid: number): Record<string, number> {
  const sums = {
    glibc_main_heap: 0,
    glibc_thread_arenas: 0,
    v8_aligned_256k: 0,
    other_unnamed: 0,
    file_private: 0,
    stacks: 0,
  };
  let arenas = 0;
  const maps = readMappings(pid);
  for (let i = 0; i < maps.length; i++) {
    const m = maps[i]!;
    const size = m.end - m.start;
    if (m.path === '[heap]') sums.glibc_main_heap += m.anon;
    else if (m.path.startsWith('[stack')) sums.stacks += m.anon;
    else if (m.path !== '' && !m.path.startsWith('[anon')) sums.file_private += m.anon;
    else if (m.start % ARENA === 0 && size <= ARENA && isArena(maps, i)) {
      sums.glibc_thread_arenas += m.anon;
      arenas++;
    } else if (m.start % V8_PAGE === 0 && size % V8_PAGE === 0 && size > 0) {
      sums.v8_aligned_256k += m.anon;
    } else sums.other_unnamed += m.anon;
  }
  const out: Record<string, number> = { glibc_thread_arena_count: arenas };
  for (const [k, v] of Object.entries(sums)) out[`${k}_mb`] = Math.round((v / MB) * 10) / 10;
  return out;
}

/** A 64 MB-aligned read-write mapping whose reservation (with the ---p rest after it) is 64 MB. */
function isArena(maps: readonly Mapping[], i: number): boolean {
  const m = maps[i]!;
  if (!m.perms.startsWith('rw')) return false;
  if (m.end - m.start === ARENA) return true;
  const rest = maps[i + 1];
  return (
    rest !== undefined &&
    rest.start === m.end &&
    rest.perms.startsWith('---') &&
    rest.end - m.start === ARENA
  );
}

/**
 * The process's own memory figures from its /metrics (cli/lib/process-metrics.ts), MB: V8's heap
 * reserved and in use, by space for the young generation, old space and code, and buffers.
 */
export async function metricsMemory(port: number): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const value = (sample: string): number => {
    const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
    return line === undefined
      ? Number.NaN
      : Math.round(Number(line.slice(sample.length + 1)) / 2 ** 20);
  };
  const space = (kind: 'total' | 'used', name: string) =>
    value(`nodejs_heap_space_size_${kind}_bytes{space="${name}"}`);
  return {
    heap_total_mb: value('nodejs_heap_size_total_bytes'),
    heap_used_mb: value('nodejs_heap_size_used_bytes'),
    young_mb: space('total', 'new'),
    old_total_mb: space('total', 'old'),
    old_used_mb: space('used', 'old'),
    code_total_mb: space('total', 'code'),
    large_object_total_mb: space('total', 'large_object'),
    external_mb: value('nodejs_external_memory_bytes'),
    rss_mb: value('process_resident_memory_bytes'),
  };
}

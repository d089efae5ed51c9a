// How far V8 lets the old generation grow between two mark-compacts, for operators who trade CPU
// for memory (docs/performance.md "Memory"). Every Check's node:http2 stream objects outlive two
// scavenges (held from native code until a mark-compact), so they are promoted; V8's own heuristic
// lets the old generation grow to ~4× what survived the last mark-compact while the collector
// keeps up (~32 MB live → ~130 MB, and the freed pages stay committed in V8's pool). A fixed
// factor keeps the process near its live size: PORTCULLIS_HEAP_GROWING_PERCENT=50 took the
// all-in-one process under load from ~190 to ~100 MB, for ~15% more CPU per request (more
// mark-compacts), so it is not the default. Node refuses this V8 flag in NODE_OPTIONS, so the
// process sets it itself once ready (`npm start`, a bare `portcullis start` and the image alike).
// V8 reads it when a mark-compact sets the next limit, and the limit set during the start would
// let the first cycle under load grow as before (to ~125 MB), so one full collection follows at
// once; it also drops what loading the config left behind.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * The next mark-compact comes once the old generation is this % above what the last one kept;
 * 0 is V8's own heuristic (the default: see above).
 */
export const DEFAULT_HEAP_GROWING_PERCENT = 0;

/** The environment variable that sets it. */
export const HEAP_GROWING_ENV = 'PORTCULLIS_HEAP_GROWING_PERCENT';

export interface HeapGrowingChoice {
  /** The percent to set (0: leave V8's heuristic), undefined when node's own options set it. */
  readonly percent: number | undefined;
  /** Why an environment value was not used. */
  readonly warning?: string;
}

/** What to set: node's own `--heap-growing-percent` wins, then the environment, then the default. */
export function chooseHeapGrowing(
  execArgv: readonly string[] = process.execArgv,
  env: NodeJS.ProcessEnv = process.env,
): HeapGrowingChoice {
  if (execArgv.some((a) => /^--heap[-_]growing[-_]percent(=|$)/.test(a))) {
    return { percent: undefined };
  }
  const raw = env[HEAP_GROWING_ENV];
  if (raw === undefined || raw === '') return { percent: DEFAULT_HEAP_GROWING_PERCENT };
  if (/^\d{1,4}$/.test(raw)) return { percent: Number(raw) };
  return {
    percent: DEFAULT_HEAP_GROWING_PERCENT,
    warning: `${HEAP_GROWING_ENV}=${raw} is not a whole number of percent: ignored`,
  };
}

/** One full collection: `gc` of a context made while --expose-gc is on (then off again). */
function collectNow(): void {
  setFlagsFromString('--expose-gc');
  try {
    (runInNewContext('gc') as () => void)();
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/**
 * Sets the choice in this process's V8 and collects once so that it applies from now on; returns
 * it (the warning for the caller's log). 0 (V8's own heuristic) is V8's default: nothing to do.
 */
export function applyHeapGrowing(
  choice: HeapGrowingChoice = chooseHeapGrowing(),
): HeapGrowingChoice {
  if (choice.percent === undefined || choice.percent === 0) return choice;
  setFlagsFromString(`--heap-growing-percent=${choice.percent}`);
  collectNow();
  return choice;
}

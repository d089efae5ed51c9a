// Start-up phases of `portcullis start` (docs/performance.md "The cold path"): with
// PORTCULLIS_START_PHASES=1 in the environment each phase is written to stderr as
// `portcullis-phase NAME MS`, MS since the process started; bench/lib/start-to-first-200.ts
// reads them. Otherwise nothing is written.
import { writeSync } from 'node:fs';

const on = process.env.PORTCULLIS_START_PHASES === '1';

export function markPhase(name: string): void {
  if (on) writeSync(2, `portcullis-phase ${name} ${performance.now().toFixed(1)}\n`);
}

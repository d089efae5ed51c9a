// The tracing rows of a bench (issue 18: `npm run bench -- authz` and `-- e2e` report
// throughput with tracing off and on at 1 % in the same run): runs the bench, then the tracing
// bench named (loaded lazily: bench/tracing.bench.ts imports bench/authz.bench.ts), and returns
// one result with both tables and all figures and goals.
import type { Bench, BenchResult } from '../run.js';

export function withTracingRows(
  bench: Bench,
  tracing: () => Promise<{ default: Bench }>,
  title: string,
): Bench {
  return async (): Promise<BenchResult> => {
    const base = await bench();
    const rows = await (await tracing()).default();
    return {
      figures: { ...base.figures, ...rows.figures },
      goals: { ...base.goals, ...rows.goals },
      table: `${base.table}\n\n${title}\n${rows.table}`,
    };
  };
}

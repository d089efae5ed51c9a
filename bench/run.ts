// `npm run bench -- [NAME…]`: runs benchmarks (bench/<name>.bench.ts), prints each one's table
// and writes bench/results/<name>.json ({name, figures, goals}). No NAME runs them all.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { argv, stdout } from 'node:process';
import { fileURLToPath } from 'node:url';

/** What a benchmark module's default export resolves to. */
export interface BenchResult {
  /** One number per figure: times in the unit named by the key (e.g. `decision_median_us`), ratios as plain numbers. */
  readonly figures: Record<string, number>;
  /** The goal for each figure that has one, e.g. `{decision_median_us: {max: 2}}`. */
  readonly goals: Record<string, { max?: number; min?: number }>;
  /** The human table (already formatted). */
  readonly table: string;
}

export type Bench = () => Promise<BenchResult>;

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, '..', '..', 'bench', 'results');

function verdict(value: number, goal: { max?: number; min?: number } | undefined): string {
  if (goal === undefined) return '';
  const ok =
    (goal.max === undefined || value <= goal.max) && (goal.min === undefined || value >= goal.min);
  const want = goal.max !== undefined ? `≤ ${goal.max}` : `≥ ${goal.min}`;
  return `${ok ? 'meets' : 'MISSES'} goal ${want}`;
}

/** Formats the figures of a result as a goal table. */
export function goalTable(result: Pick<BenchResult, 'figures' | 'goals'>): string {
  const rows = Object.entries(result.figures).map(([k, v]) => [
    k,
    Number.isInteger(v) ? String(v) : v.toPrecision(4),
    verdict(v, result.goals[k]),
  ]);
  const w0 = Math.max(6, ...rows.map((r) => r[0]!.length));
  const w1 = Math.max(5, ...rows.map((r) => r[1]!.length));
  return [
    `${'figure'.padEnd(w0)}  ${'value'.padStart(w1)}  goal`,
    ...rows.map((r) => `${r[0]!.padEnd(w0)}  ${r[1]!.padStart(w1)}  ${r[2]}`),
  ].join('\n');
}

async function main(): Promise<void> {
  const available = (await readdir(here))
    .filter((f) => f.endsWith('.bench.js'))
    .map((f) => f.slice(0, -'.bench.js'.length))
    .sort();
  const wanted = argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = wanted.length > 0 ? wanted : available;
  await mkdir(resultsDir, { recursive: true });
  for (const name of names) {
    if (!available.includes(name)) {
      throw new Error(`unknown benchmark '${name}' (have: ${available.join(', ')})`);
    }
    const mod = (await import(join(here, `${name}.bench.js`))) as { default: Bench };
    stdout.write(`\n== bench ${name}\n`);
    const result = await mod.default();
    stdout.write(`${result.table}\n\n${goalTable(result)}\n`);
    const file = join(resultsDir, `${name}.json`);
    await writeFile(
      file,
      `${JSON.stringify({ name, figures: result.figures, goals: result.goals }, null, 2)}\n`,
    );
    stdout.write(`(wrote ${file})\n`);
  }
}

if (argv[1] !== undefined && fileURLToPath(import.meta.url) === argv[1]) {
  await main();
}

// The cold path (issue 19): `portcullis validate` of 1,000, 5,000 and 20,000 routes (wall and
// CPU of the process, and how CPU grows with routes), start to first 200 of `portcullis start`
// (all-in-one) with the process's RssAnon then, and the memory a process keeps for 10,000 routes
// once every service is prepared. It runs the shipped entry (dist/cli/portcullis.mjs, the
// bundle); `PORTCULLIS_CLI=path/to/dist/cli/main.js` measures another build (e.g. the commit
// before a change) with the same bench, and `PORTCULLIS_CLI_BASELINE=…` alternates the starts
// of another build with this one's in the same run.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { generateRoutesConfig } from '../examples/generate-routes.js';
import { CLI, startToFirst200 } from './lib/start-to-first-200.js';
import type { BenchResult } from './run.js';

const exec = promisify(execFile);
const TICK_MS = 10; // USER_HZ 100

/** CPU ms of this process's reaped children so far (cutime + cstime, Linux). */
function childrenCpuMs(): number {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * TICK_MS;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** `portcullis validate` of `routes` generated routes: median wall and CPU ms of the process. */
async function validate(dir: string, routes: number, runs: number) {
  const file = join(dir, `routes-${routes}.yaml`);
  await writeFile(
    file,
    `${generateRoutesConfig(routes)}\nidp_provider_url: https://idp.example.com\nidp_client_id: bench\nidp_client_secret: bench\n`,
  );
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = childrenCpuMs();
    const t0 = performance.now();
    await exec(process.execPath, [CLI, 'validate', '-c', file], { maxBuffer: 64 << 20 });
    wall.push(performance.now() - t0);
    cpu.push(childrenCpuMs() - c0);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/**
 * What a running Portcullis keeps for a config of 10,000 routes: a child process loads it,
 * prepares every service (authz state with compiled policies, the Envoy snapshot built, checked
 * and encoded) and holds the results; RssAnon and the V8 heap after a full collection, MB.
 */
async function memory10k(dir: string): Promise<{ anon: number; heap: number }> {
  const file = join(dir, 'routes-10000.yaml');
  await writeFile(
    file,
    `${generateRoutesConfig(10_000)}\nidp_provider_url: https://idp.example.com\nidp_client_id: bench\nidp_client_secret: bench\n`,
  );
  const dist = join(dirname(CLI), '..');
  const script = `
    const { loadConfigFile } = await import(${JSON.stringify(join(dist, 'config', 'index.js'))});
    const { prepareForValidate } = await import(${JSON.stringify(join(dist, 'cli', 'lib', 'validate-preparers.js'))});
    const { readFileSync } = await import('node:fs');
    const loaded = await loadConfigFile(${JSON.stringify(file)});
    const prepared = prepareForValidate(loaded);
    if (!prepared.ok) throw new Error('not valid');
    globalThis.kept = [loaded, prepared];
    for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 50)); }
    const anon = Number(/RssAnon:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
    process.stdout.write(JSON.stringify({ anon, heap: process.memoryUsage().heapUsed / 2 ** 20 }));
  `;
  const { stdout } = await exec(
    process.execPath,
    ['--expose-gc', '--input-type=module', '-e', script],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as { anon: number; heap: number };
}

/**
 * PORTCULLIS_CLI_BASELINE=path/to/another/entry: its starts alternate with this build's, start by
 * start, and get a line of their own (a before/after comparison from one run).
 */
const BASELINE = process.env.PORTCULLIS_CLI_BASELINE;

/** Medians of the phases (ms after the process started; first_200 after spawn) and RssAnon. */
function summarize(phases: Record<string, number[]>) {
  const anonAt200 = median(phases.rss_anon_mb_at_first_200 ?? [Number.NaN]);
  const phaseMs = Object.entries(phases)
    .filter(([k]) => k !== 'rss_anon_mb_at_first_200')
    .map(([k, v]) => [k, Math.round(median(v))] as const);
  return { anonAt200, phaseMs };
}

function baselineLine(starts: number[], phases: Record<string, number[]>): string {
  const { anonAt200, phaseMs } = summarize(phases);
  return `baseline ${BASELINE}, interleaved: first 200 ${Math.round(median(starts))} ms (${starts.map((x) => Math.round(x)).join(', ')}); ${phaseMs.map(([k, v]) => `${k} ${v}`).join(', ')}; RssAnon at the first 200 ${Math.round(anonAt200)} MB`;
}

export default async function bench(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-cold-bench-'));
  try {
    const v1 = await validate(dir, 1_000, 3);
    const v5 = await validate(dir, 5_000, 3);
    const v20 = await validate(dir, 20_000, 3);
    const starts: number[] = [];
    const phases: Record<string, number[]> = {};
    const base = BASELINE === undefined ? undefined : { starts: [] as number[], phases: {} };
    for (let i = 0; i < 5; i++) {
      starts.push(await startToFirst200(dir, phases));
      if (base) base.starts.push(await startToFirst200(dir, base.phases, BASELINE));
    }
    const { anonAt200, phaseMs } = summarize(phases);
    const mem = await memory10k(dir);
    const figures = {
      validate_1k_ms: Math.round(v1.wall),
      validate_5k_ms: Math.round(v5.wall),
      validate_20k_ms: Math.round(v20.wall),
      validate_1k_cpu_ms: Math.round(v1.cpu),
      validate_5k_cpu_ms: Math.round(v5.cpu),
      validate_20k_cpu_ms: Math.round(v20.cpu),
      // linear in routes: 4× the routes costs 4× the CPU (the fixed start-up cost makes it less)
      validate_20k_vs_5k_cpu: v20.cpu / v5.cpu,
      start_to_first_200_ms: Math.round(median(starts)),
      node_anon_mb_at_first_200: Math.round(anonAt200),
      node_anon_mb_10k_routes_prepared: Math.round(mem.anon),
      node_heap_mb_10k_routes_prepared: Math.round(mem.heap),
      ...Object.fromEntries(phaseMs.map(([k, v]) => [`start_phase_${k}_ms`, v])),
    };
    const table = [
      `CLI: ${CLI}`,
      '| routes | validate wall ms | validate CPU ms | CPU ms per 1k routes |',
      '| --- | --- | --- | --- |',
      ...(
        [
          [1_000, v1],
          [5_000, v5],
          [20_000, v20],
        ] as const
      ).map(
        ([n, r]) =>
          `| ${n} | ${Math.round(r.wall)} | ${Math.round(r.cpu)} | ${Math.round(r.cpu / (n / 1000))} |`,
      ),
      `start to first 200 (all-in-one, median of 5): ${figures.start_to_first_200_ms} ms (${starts.map((x) => Math.round(x)).join(', ')})`,
      `start phases, ms after the process started (median): ${phaseMs.map(([k, v]) => `${k} ${v}`).join(', ')}`,
      `RssAnon of the start process at its first 200 (median): ${figures.node_anon_mb_at_first_200} MB`,
      ...(base ? [baselineLine(base.starts, base.phases)] : []),
      `10,000 routes loaded and every service prepared: RssAnon ${figures.node_anon_mb_10k_routes_prepared} MB, V8 heap ${figures.node_heap_mb_10k_routes_prepared} MB`,
    ].join('\n');
    return {
      figures,
      goals: {
        validate_20k_ms: { max: 2000 },
        validate_20k_vs_5k_cpu: { max: 4.4 },
        start_to_first_200_ms: { max: 300 },
        node_anon_mb_10k_routes_prepared: { max: 100 },
      },
      table,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The Node process's anonymous memory under load (issue 19's memory row; docs/performance.md
// "Memory"), repeatable and quick: the all-in-one `portcullis start` (memory databroker, the e2e
// stack), a signed-in session, then a fixed load — MEMORY_REQUESTS (default 100,000) requests at
// saturation (h2load, 32 HTTP/1.1 connections) through Envoy with the session cookie, to a route
// whose upstream is an Envoy answering "ok" itself — then 10 s at 1,000 requests/s
// (MEMORY_RATED_SECONDS) whose p50/p99 show what a setting costs the tail. Per run: RssAnon at
// ready, its peak during the load (sampled every 100 ms) and after it, the /proc/PID/smaps
// breakdown (lib/anon-memory.ts), the process's /metrics (V8 spaces, buffers) and its CPU µs per
// request at saturation.
//
// Variants run interleaved (A, B, A, B…), MEMORY_ROUNDS rounds (default 2), e.g.
//   MEMORY_VARIANTS='s8:--max-semi-space-size=8|s16:--max-semi-space-size=16 MALLOC_ARENA_MAX=2'
// each `name:` then space-separated Node options (`--…`) and environment settings
// (`NAME=value`). The default compares the settings before docs/performance.md "Memory", the
// image's (lib/production-node.ts), and the image's with PORTCULLIS_HEAP_GROWING_PERCENT=50. MEMORY_SIGNAL_AFTER_LOAD=SIGUSR2 signals the process after
// the load (e.g. with --heapsnapshot-signal=SIGUSR2 among a variant's options) and waits 5 s.
import { ENVOY_INSTALL_HINT, findEnvoyBinary } from '../cli/index.js';
import { freePorts } from '../test/helpers/free-port.js';
import { anonBreakdown, anonMb, metricsMemory, sampleAnonPeak } from './lib/anon-memory.js';
import { runLoad } from './lib/h2load.js';
import { cpuMicros } from './lib/process-cpu.js';
import { PRODUCTION_NODE } from './lib/production-node.js';
import { startSignedInStack } from './lib/signed-in-stack.js';
import { startStaticEnvoy, upstreamBootstrap } from './lib/static-envoy.js';
import type { BenchResult } from './run.js';

interface Variant {
  readonly name: string;
  readonly execArgv: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** `name:--flag NAME=value …|name2:…` */
export function parseVariants(text: string): Variant[] {
  return text
    .split('|')
    .filter((v) => v.trim() !== '')
    .map((spec) => {
      const colon = spec.indexOf(':');
      const name = (colon < 0 ? spec : spec.slice(0, colon)).trim();
      const words =
        colon < 0
          ? []
          : spec
              .slice(colon + 1)
              .split(/\s+/)
              .filter(Boolean);
      const env: Record<string, string> = {};
      const execArgv: string[] = [];
      for (const w of words) {
        if (w.startsWith('--')) execArgv.push(w);
        else if (/^[A-Z_][A-Z0-9_]*=/.test(w))
          env[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
        else throw new Error(`MEMORY_VARIANTS: '${w}' is neither --option nor NAME=value`);
      }
      return { name, execArgv, env };
    });
}

type Run = Record<string, number>;

/** Seconds of the 1,000 requests/s phase after the saturation load (MEMORY_RATED_SECONDS; 0: none). */
const RATED_SECONDS = Number(process.env.MEMORY_RATED_SECONDS ?? 10);

async function measure(variant: Variant, upPort: number, requests: number): Promise<Run> {
  const [metricsPort] = await freePorts(1);
  const { stack, pid, target } = await startSignedInStack(upPort, {
    logLevel: process.env.MEMORY_LOG_LEVEL ?? 'info',
    execArgv: variant.execArgv,
    env: variant.env,
    extraConfig: `metrics_address: 127.0.0.1:${metricsPort}`,
  });
  try {
    const atReady = anonMb(pid);
    const cpu0 = cpuMicros(pid);
    const peak = sampleAnonPeak(pid);
    const load = await runLoad(target, { clients: 32, requests });
    const cpu = (cpuMicros(pid) - cpu0) / requests;
    // Then the tail at 1,000 requests/s (10 connections × 100/s): what the GC settings cost p99.
    const rated =
      RATED_SECONDS > 0
        ? await runLoad(target, { clients: 10, rps: 100, seconds: RATED_SECONDS })
        : undefined;
    const anonPeak = peak.stop();
    const signal = process.env.MEMORY_SIGNAL_AFTER_LOAD;
    if (signal) {
      // e.g. SIGUSR2 with --heapsnapshot-signal=SIGUSR2: what the process holds after the load
      process.kill(pid, signal);
      await new Promise((r) => setTimeout(r, 5000));
    }
    return {
      anon_ready_mb: Math.round(atReady),
      anon_peak_mb: Math.round(anonPeak),
      anon_after_mb: Math.round(anonMb(pid)),
      ...anonBreakdown(pid),
      ...(await metricsMemory(metricsPort!)),
      node_cpu_us_per_request: Math.round(cpu),
      rps: Math.round(load.rps),
      p50_ms_at_1000: rated?.p50Ms ?? Number.NaN,
      p99_ms_at_1000: rated?.p99Ms ?? Number.NaN,
      failed: load.failed + (rated?.failed ?? 0),
    };
  } finally {
    await stack.close();
  }
}

const IMAGE = [
  ...PRODUCTION_NODE.execArgv,
  ...Object.entries(PRODUCTION_NODE.env).map(([k, v]) => `${k}=${v}`),
].join(' ');
/**
 * What ran before docs/performance.md "Memory", the image's settings, and those with the heap
 * growing percent that trades CPU for memory (cli/lib/heap-growing.ts).
 */
const DEFAULT_VARIANTS = `before:--max-semi-space-size=16|image:${IMAGE}|image-g50:${IMAGE} PORTCULLIS_HEAP_GROWING_PERCENT=50`;

export default async function bench(): Promise<BenchResult> {
  const envoyBin = findEnvoyBinary();
  if (!envoyBin) throw new Error(`Envoy is required: ${ENVOY_INSTALL_HINT}`);
  const variants = parseVariants(process.env.MEMORY_VARIANTS ?? DEFAULT_VARIANTS);
  const rounds = Number(process.env.MEMORY_ROUNDS ?? 2);
  const requests = Number(process.env.MEMORY_REQUESTS ?? 100_000);
  const [upPort, upAdmin] = await freePorts(2);
  const upstream = await startStaticEnvoy(envoyBin, upstreamBootstrap(upPort, upAdmin), upPort, 1);
  const runs = new Map<string, Run[]>(variants.map((v) => [v.name, []]));
  const lines: string[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const v of variants) {
        const r = await measure(v, upPort!, requests);
        runs.get(v.name)!.push(r);
        const line = `round ${round + 1} ${v.name}: ${Object.entries(r)
          .map(([k, x]) => `${k}=${x}`)
          .join(' ')}`;
        lines.push(line);
        process.stderr.write(`${line}\n`);
      }
    }
  } finally {
    await upstream.stop();
  }
  const figures: Record<string, number> = {};
  const keys = Object.keys(runs.get(variants[0]!.name)![0]!);
  const rows = [['', ...variants.map((v) => v.name)]];
  for (const k of keys) {
    const row = [k];
    for (const v of variants) {
      const xs = runs.get(v.name)!.map((r) => r[k]!);
      const lo = Math.min(...xs);
      const hi = Math.max(...xs);
      figures[`${v.name}_${k}_min`] = lo;
      figures[`${v.name}_${k}_max`] = hi;
      row.push(lo === hi ? String(lo) : `${lo}–${hi}`);
    }
    rows.push(row);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const table = rows
    .map((row) =>
      row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '),
    )
    .join('\n');
  const goals: BenchResult['goals'] = {};
  for (const v of variants) goals[`${v.name}_anon_peak_mb_max`] = { max: 100 };
  return {
    figures,
    goals,
    table: `${table}\n(${requests} requests at saturation per run, ${rounds} interleaved rounds; ranges over the rounds; variants: ${variants
      .map(
        (v) =>
          `${v.name} = ${[...v.execArgv, ...Object.entries(v.env).map(([k, x]) => `${k}=${x}`)].join(' ') || 'defaults'}`,
      )
      .join('; ')})\n${lines.join('\n')}`,
  };
}

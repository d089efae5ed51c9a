// The cost of Portcullis next to Envoy alone, in one run, on the same fast upstream (an Envoy
// answering "ok" itself): throughput at saturation, and p50/p99 at 1,000 and 2,000 requests/s
// (h2load, HTTP/1.1 keep-alive). Portcullis runs all-in-one (`portcullis start`: Envoy +
// ext_authz + authn) and every request carries a signed-in session cookie. The architecture's
// limit runs in the same interleaved rounds: the same Envoy with Portcullis's ext_authz filter
// asking a no-op Check server on bare node:http2 (lib/noop-check-h2.ts). Then the issue-19
// figures outside the request path: start to first 200, the Node process's anonymous memory
// under load (bench/lib/anon-memory.ts), and `portcullis validate` of 10,000 and 20,000 routes.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ENVOY_INSTALL_HINT, findEnvoyBinary } from '../cli/index.js';
import { generateRoutesConfig } from '../examples/generate-routes.js';
import { freePorts } from '../test/helpers/free-port.js';
import { PORTCULLIS_ENTRY } from '../test/helpers/portcullis-entry.js';
import { anonBreakdown, anonMb, metricsMemory, sampleAnonPeak } from './lib/anon-memory.js';
import { type LoadResult, type LoadTarget, runLoad } from './lib/h2load.js';
import { spawnNoopCheck } from './lib/noop-check-h2.js';
import { childPids, cpuMicros } from './lib/process-cpu.js';
import { PRODUCTION_NODE } from './lib/production-node.js';
import { startSignedInStack } from './lib/signed-in-stack.js';
import { startToFirst200 } from './lib/start-to-first-200.js';
import {
  authzProxyBootstrap,
  proxyBootstrap,
  startStaticEnvoy,
  upstreamBootstrap,
} from './lib/static-envoy.js';
import { withTracingRows } from './lib/tracing-rows.js';
import type { BenchResult } from './run.js';

const SECONDS = 5;
const RATES = [1000, 2000] as const;
const CLI = PORTCULLIS_ENTRY;
const exec = promisify(execFile);

interface Series {
  readonly saturation: LoadResult;
  readonly rated: Readonly<Record<(typeof RATES)[number], LoadResult>>;
}

/** The systems of one interleaved run, in the order each round measures them. */
const SYSTEMS = ['alone', 'noop', 'portcullis'] as const;
type System = (typeof SYSTEMS)[number];

type Point = 'saturation' | (typeof RATES)[number];
/** CPU µs per request at saturation, per system and process. */
const cpu: Record<System, Record<string, number>> = { alone: {}, noop: {}, portcullis: {} };
const POINTS: readonly Point[] = ['saturation', ...RATES];
/** Each point runs ROUNDS times per system, alternating systems; the best round counts (less noise from other work on the machine, the same rule for every system). */
const ROUNDS = 2;

function loadOf(point: Point) {
  return point === 'saturation'
    ? { clients: 32, seconds: SECONDS }
    : { clients: point / 100, rps: 100, seconds: SECONDS };
}

/** Best of the rounds: highest throughput, lowest percentiles; failures add up. */
function best(a: LoadResult | undefined, b: LoadResult): LoadResult {
  if (!a) return b;
  return {
    rps: Math.max(a.rps, b.rps),
    ok: a.ok + b.ok,
    failed: a.failed + b.failed,
    p50Ms: Math.min(a.p50Ms, b.p50Ms),
    p99Ms: Math.min(a.p99Ms, b.p99Ms),
  };
}

/** Processes whose CPU a system's requests cost (Envoy; a Node process), by pid. */
type CpuSources = Readonly<Record<string, number>>;
type Target = LoadTarget & { readonly cpu: CpuSources };

/** Ratios of each saturation round (portcullis / other system, same round): their range is reported. */
const roundRatios = { vsAlone: [] as number[], vsNoop: [] as number[] };

async function measureAll(targets: Record<System, Target>): Promise<Record<System, Series>> {
  const results: Record<System, Partial<Record<Point, LoadResult>>> = {
    alone: {},
    noop: {},
    portcullis: {},
  };
  for (const point of POINTS) {
    for (let round = 0; round < ROUNDS; round++) {
      const rps: Partial<Record<System, number>> = {};
      for (const system of SYSTEMS) {
        const target = targets[system];
        const before = Object.entries(target.cpu).map(
          ([k, pid]) => [k, pid, cpuMicros(pid)] as const,
        );
        const r = await runLoad(target, loadOf(point));
        if (point === 'saturation') {
          // CPU µs per request (the warm-up second counted at the measured rate); best round.
          const requests = r.rps * (SECONDS + 1);
          for (const [k, pid, was] of before) {
            const us = (cpuMicros(pid) - was) / requests;
            cpu[system][k] = Math.min(cpu[system][k] ?? Number.POSITIVE_INFINITY, us);
          }
          rps[system] = r.rps;
        }
        results[system][point] = best(results[system][point], r);
      }
      if (point === 'saturation') {
        roundRatios.vsAlone.push(rps.portcullis! / rps.alone!);
        roundRatios.vsNoop.push(rps.portcullis! / rps.noop!);
      }
    }
  }
  const series = (r: Partial<Record<Point, LoadResult>>): Series => ({
    saturation: r.saturation!,
    rated: { 1000: r[1000]!, 2000: r[2000]! },
  });
  return {
    alone: series(results.alone),
    noop: series(results.noop),
    portcullis: series(results.portcullis),
  };
}

const START_RUNS = 3;

/**
 * What a browser sends with every request besides its cookie (Chrome 131 on Linux): the same on
 * all three systems. Envoy copies only the headers authz reads into the Check
 * (envoy/lib/authz-allowed-headers.ts).
 */
const BROWSER_HEADERS: Readonly<Record<string, string>> = {
  accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8',
  'accept-encoding': 'gzip, deflate, br, zstd',
  'accept-language': 'en-GB,en-US;q=0.9,en;q=0.8',
  'user-agent':
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'sec-ch-ua': '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"',
  'sec-ch-ua-mobile': '?0',
  'sec-ch-ua-platform': '"Linux"',
  'sec-fetch-dest': 'document',
  'sec-fetch-mode': 'navigate',
  'sec-fetch-site': 'same-origin',
  'sec-fetch-user': '?1',
  'upgrade-insecure-requests': '1',
  referer: 'https://portal.example.com/apps',
};

/** `portcullis validate` of a generated config with `routes` routes: wall ms of the process. */
async function validateMs(dir: string, routes: number): Promise<number> {
  const file = join(dir, `routes-${routes}.yaml`);
  // The generated routes plus what the default `services: all` needs (an IdP for authn).
  await writeFile(
    file,
    `${generateRoutesConfig(routes)}\nidp_provider_url: https://idp.example.com\nidp_client_id: bench\nidp_client_secret: bench\n`,
  );
  const t0 = performance.now();
  await exec(process.execPath, [CLI, 'validate', '-c', file], { maxBuffer: 64 * 1024 * 1024 });
  return performance.now() - t0;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const signed = (n: number) => `${n >= 0 ? '+' : ''}${f(n)} ms`;
const range = (xs: readonly number[]) => `${f(Math.min(...xs))}–${f(Math.max(...xs))}× per round`;

async function bench(): Promise<BenchResult> {
  const envoyBin = findEnvoyBinary();
  if (!envoyBin) throw new Error(`Envoy is required: ${ENVOY_INSTALL_HINT}`);
  const [upPort, upAdmin, aloneProxy, aloneAdmin, noopProxy, noopAdmin, metricsPort] =
    await freePorts(7);
  // First the figures outside the request path (quick; a failure here costs no load run).
  const starts: number[] = [];
  let validate10k: number;
  let validate20k: number;
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-e2e-bench-'));
  try {
    for (let i = 0; i < START_RUNS; i++) starts.push(await startToFirst200(dir));
    validate10k = await validateMs(dir, 10_000);
    validate20k = await validateMs(dir, 20_000);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const upstream = await startStaticEnvoy(envoyBin, upstreamBootstrap(upPort, upAdmin), upPort, 1);
  let series: Record<System, Series>;
  let nodeAnonMb = Number.NaN;
  let afterAnonMb = Number.NaN;
  let memory: Record<string, number> = {};
  let smaps: Record<string, number> = {};
  try {
    // One worker thread, like the Envoy that `portcullis start` supervises: the comparison is
    // the same Envoy with and without ext_authz.
    const plain = await startStaticEnvoy(
      envoyBin,
      proxyBootstrap(aloneProxy, upPort, aloneAdmin),
      aloneProxy,
      1,
    );
    const noop = await spawnNoopCheck();
    const noopEnvoy = await startStaticEnvoy(
      envoyBin,
      authzProxyBootstrap(noopProxy, upPort, noopAdmin, noop.port),
      noopProxy,
      1,
    );
    try {
      const {
        stack,
        pid: node,
        cookie,
      } = await startSignedInStack(upPort!, {
        logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
        // /metrics: what the Node process's memory is made of after the load
        extraConfig: `metrics_address: 127.0.0.1:${metricsPort}`,
      });
      try {
        // The issue's figure: the Node process's anonymous memory under load, its highest
        // sample while the rounds run (they end with the rated points, so it is not the figure
        // after a pause).
        const peak = sampleAnonPeak(node);
        series = await measureAll({
          alone: {
            url: `http://127.0.0.1:${aloneProxy}/`,
            authority: `bench.localhost:${aloneProxy}`,
            headers: BROWSER_HEADERS,
            cpu: { envoy: plain.pid },
          },
          // The very same request (cookie included) as Portcullis gets.
          noop: {
            url: `http://127.0.0.1:${noopProxy}/`,
            authority: `bench.localhost:${noopProxy}`,
            headers: { ...BROWSER_HEADERS, cookie },
            cpu: { envoy: noopEnvoy.pid, node: noop.pid },
          },
          portcullis: {
            url: `http://127.0.0.1:${stack.envoyPort}/`,
            authority: `bench.localhost:${stack.envoyPort}`,
            headers: { ...BROWSER_HEADERS, cookie },
            cpu: { envoy: childPids(node)[0] ?? 0, node },
          },
        });
        nodeAnonMb = peak.stop();
        afterAnonMb = anonMb(node);
        const m = await metricsMemory(metricsPort!);
        memory = {
          portcullis_node_heap_total_mb_after_load: m.heap_total_mb!,
          portcullis_node_heap_used_mb_after_load: m.heap_used_mb!,
          portcullis_node_young_mb_after_load: m.young_mb!,
          portcullis_node_external_mb_after_load: m.external_mb!,
          portcullis_node_rss_mb_after_load: m.rss_mb!,
        };
        const parts = anonBreakdown(node);
        smaps = {
          portcullis_node_v8_pages_mb_after_load: parts.v8_aligned_256k_mb!,
          portcullis_node_malloc_mb_after_load:
            parts.glibc_main_heap_mb! + parts.glibc_thread_arenas_mb!,
        };
      } finally {
        await stack.close();
      }
    } finally {
      await noopEnvoy.stop();
      noop.child.kill();
      await plain.stop();
    }
  } finally {
    await upstream.stop();
  }

  const { alone, noop, portcullis: withPortcullis } = series;
  const failed = (s: Series) =>
    s.saturation.failed + RATES.reduce((n, r) => n + s.rated[r].failed, 0);
  const figures: Record<string, number> = {
    envoy_alone_rps: Math.round(alone.saturation.rps),
    envoy_noop_check_rps: Math.round(noop.saturation.rps),
    portcullis_rps: Math.round(withPortcullis.saturation.rps),
    throughput_ratio: withPortcullis.saturation.rps / alone.saturation.rps,
    throughput_ratio_min_round: Math.min(...roundRatios.vsAlone),
    throughput_ratio_max_round: Math.max(...roundRatios.vsAlone),
    throughput_ratio_vs_noop_check: withPortcullis.saturation.rps / noop.saturation.rps,
    throughput_ratio_vs_noop_check_min_round: Math.min(...roundRatios.vsNoop),
    throughput_ratio_vs_noop_check_max_round: Math.max(...roundRatios.vsNoop),
    noop_check_failed_requests: failed(noop),
    portcullis_failed_requests: failed(withPortcullis),
    envoy_alone_cpu_us_per_request: cpu.alone.envoy ?? Number.NaN,
    noop_check_envoy_cpu_us_per_request: cpu.noop.envoy ?? Number.NaN,
    noop_check_node_cpu_us_per_request: cpu.noop.node ?? Number.NaN,
    portcullis_envoy_cpu_us_per_request: cpu.portcullis.envoy ?? Number.NaN,
    portcullis_node_cpu_us_per_request: cpu.portcullis.node ?? Number.NaN,
    start_to_first_200_ms: Math.round(median(starts)),
    portcullis_node_anon_mb_under_load: Math.round(nodeAnonMb),
    portcullis_node_anon_mb_after_load: Math.round(afterAnonMb),
    ...memory,
    ...smaps,
    validate_10k_routes_ms: Math.round(validate10k),
    validate_20k_routes_ms: Math.round(validate20k),
    validate_20k_vs_10k: validate20k / validate10k,
    portcullis_check_transport_lean: process.env.PORTCULLIS_CHECK_TRANSPORT === 'grpc-js' ? 0 : 1,
  };
  for (const r of RATES) {
    figures[`envoy_alone_p50_ms_at_${r}`] = alone.rated[r].p50Ms;
    figures[`envoy_alone_p99_ms_at_${r}`] = alone.rated[r].p99Ms;
    figures[`noop_check_p99_ms_at_${r}`] = noop.rated[r].p99Ms;
    figures[`portcullis_p50_ms_at_${r}`] = withPortcullis.rated[r].p50Ms;
    figures[`portcullis_p99_ms_at_${r}`] = withPortcullis.rated[r].p99Ms;
    figures[`portcullis_p99_over_p50_at_${r}`] =
      withPortcullis.rated[r].p99Ms / withPortcullis.rated[r].p50Ms;
    figures[`added_p99_ms_at_${r}`] = withPortcullis.rated[r].p99Ms - alone.rated[r].p99Ms;
  }
  const rows = [
    [
      '',
      'Envoy alone',
      'Envoy + no-op Check (node:http2)',
      'Envoy + Portcullis',
      'Portcullis ratio / added',
    ],
    [
      'throughput at saturation (req/s)',
      f(alone.saturation.rps, 0),
      f(noop.saturation.rps, 0),
      f(withPortcullis.saturation.rps, 0),
      `${f(figures.throughput_ratio!)}× alone (${range(roundRatios.vsAlone)}); ${f(figures.throughput_ratio_vs_noop_check!)}× no-op (${range(roundRatios.vsNoop)})`,
    ],
    [
      'CPU per request at saturation (µs)',
      `${f(cpu.alone.envoy ?? Number.NaN, 0)} Envoy`,
      `${f(cpu.noop.envoy ?? Number.NaN, 0)} Envoy + ${f(cpu.noop.node ?? Number.NaN, 0)} Node`,
      `${f(cpu.portcullis.envoy ?? Number.NaN, 0)} Envoy + ${f(cpu.portcullis.node ?? Number.NaN, 0)} Node`,
      '',
    ],
    ...RATES.flatMap((r) => [
      [
        `p50 at ${r} req/s (ms)`,
        f(alone.rated[r].p50Ms),
        f(noop.rated[r].p50Ms),
        f(withPortcullis.rated[r].p50Ms),
        signed(withPortcullis.rated[r].p50Ms - alone.rated[r].p50Ms),
      ],
      [
        `p99 at ${r} req/s (ms)`,
        f(alone.rated[r].p99Ms),
        f(noop.rated[r].p99Ms),
        f(withPortcullis.rated[r].p99Ms),
        `${signed(figures[`added_p99_ms_at_${r}`]!)} (p99/p50 ${f(figures[`portcullis_p99_over_p50_at_${r}`]!)})`,
      ],
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const table = rows
    .map((row) =>
      row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '),
    )
    .join('\n');
  const extra = [
    `start to first 200 (all-in-one, one public route; median of ${START_RUNS}): ${figures.start_to_first_200_ms} ms (${starts.map((x) => Math.round(x)).join(', ')})`,
    `anonymous memory of the Portcullis Node process under load (highest RssAnon sample): ${figures.portcullis_node_anon_mb_under_load} MB, after it ${figures.portcullis_node_anon_mb_after_load} MB: V8's pages ${f(figures.portcullis_node_v8_pages_mb_after_load!, 1)} MB and malloc's heap and arenas ${f(figures.portcullis_node_malloc_mb_after_load!, 1)} MB (/proc/PID/smaps, bench/lib/anon-memory.ts); V8 heap reserved ${figures.portcullis_node_heap_total_mb_after_load} MB, of it the young generation ${figures.portcullis_node_young_mb_after_load} MB, in use ${figures.portcullis_node_heap_used_mb_after_load} MB; outside the heap: buffers ${figures.portcullis_node_external_mb_after_load} MB, resident in all ${figures.portcullis_node_rss_mb_after_load} MB`,
    // The Check transport of this run (docs/performance.md): PORTCULLIS_CHECK_TRANSPORT=grpc-js
    // in the bench's environment reaches `portcullis start` and measures the grpc-js one.
    `Portcullis Check transport: ${process.env.PORTCULLIS_CHECK_TRANSPORT === 'grpc-js' ? 'grpc-js (PORTCULLIS_CHECK_TRANSPORT=grpc-js)' : 'lean node:http2 (default; PORTCULLIS_CHECK_TRANSPORT=grpc-js for the other)'}`,
    `portcullis validate: 10,000 routes ${figures.validate_10k_routes_ms} ms, 20,000 routes ${figures.validate_20k_routes_ms} ms (${f(figures.validate_20k_vs_10k!)}× for 2× routes)`,
  ].join('\n');
  return {
    figures,
    goals: {
      throughput_ratio: { min: 0.5 },
      throughput_ratio_vs_noop_check: { min: 0.9 },
      added_p99_ms_at_1000: { max: 2 },
      portcullis_failed_requests: { max: 0 },
      noop_check_failed_requests: { max: 0 },
      start_to_first_200_ms: { max: 300 },
      portcullis_node_anon_mb_under_load: { max: 100 },
      validate_20k_routes_ms: { max: 2000 },
    },
    table: `${table}\n(Envoy with 1 worker thread in all three; the same ext_authz filter and authz cluster as Portcullis generates for the no-op row; Portcullis with the image's ${PRODUCTION_NODE.execArgv.join(' ')} and ${Object.entries(
      PRODUCTION_NODE.env,
    )
      .map(([k, v]) => `${k}=${v}`)
      .join(
        ' ',
      )}; h2load HTTP/1.1, ${SECONDS} s per point after 1 s warm-up, best of ${ROUNDS} interleaved rounds; 32 connections at saturation; fixed rates as N×100 req/s connections; a browser's ${Object.keys(BROWSER_HEADERS).length} headers on every request, and the signed-in session cookie on every no-op and Portcullis request)\n${extra}`,
  };
}

// Tracing off and on (1 % sampled) in the same run: the rows of bench/e2e-tracing.bench.ts.
export default withTracingRows(
  bench,
  () => import('./e2e-tracing.bench.js'),
  'tracing off / on, 1% sampled (bench/e2e-tracing.bench.ts, same run):',
);

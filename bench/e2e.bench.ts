// The cost of Portcullis next to Envoy alone, in one run, on the same fast upstream (an Envoy
// answering "ok" itself): throughput at saturation, and p50/p99 at 1,000 and 2,000 requests/s
// (h2load, HTTP/1.1 keep-alive). Portcullis runs all-in-one (`portcullis start`: Envoy +
// ext_authz + authn) and every request carries a signed-in session cookie.
import { ENVOY_INSTALL_HINT, findEnvoyBinary } from '../cli/index.js';
import { scriptedSignIn, startE2eStack } from '../test/helpers/e2e-stack.js';
import { freePorts } from '../test/helpers/free-port.js';
import { type LoadResult, type LoadTarget, runLoad } from './lib/h2load.js';
import { childPids, cpuMicros } from './lib/process-cpu.js';
import { proxyBootstrap, startStaticEnvoy, upstreamBootstrap } from './lib/static-envoy.js';
import type { BenchResult } from './run.js';

const SECONDS = 5;
const RATES = [1000, 2000] as const;

interface Series {
  readonly saturation: LoadResult;
  readonly rated: Readonly<Record<(typeof RATES)[number], LoadResult>>;
}

type Point = 'saturation' | (typeof RATES)[number];
/** CPU µs per request at saturation, per process, for [alone, portcullis]. */
const cpu: [Record<string, number>, Record<string, number>] = [{}, {}];
const POINTS: readonly Point[] = ['saturation', ...RATES];
/** Each point runs ROUNDS times per system, alternating systems; the best round counts (less noise from other work on the machine, the same rule for both). */
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

/** Processes whose CPU a system's requests cost (Envoy; Portcullis's Node process), by pid. */
type CpuSources = Readonly<Record<string, number>>;

async function measureBoth(
  alone: LoadTarget & { readonly cpu: CpuSources },
  portcullis: LoadTarget & { readonly cpu: CpuSources },
): Promise<[Series, Series]> {
  const results: [Partial<Record<Point, LoadResult>>, Partial<Record<Point, LoadResult>>] = [
    {},
    {},
  ];
  for (const point of POINTS) {
    for (let round = 0; round < ROUNDS; round++) {
      for (const [i, target] of [alone, portcullis].entries()) {
        const before = Object.entries(target.cpu).map(
          ([k, pid]) => [k, pid, cpuMicros(pid)] as const,
        );
        const r = await runLoad(target, loadOf(point));
        if (point === 'saturation') {
          // CPU µs per request (the warm-up second counted at the measured rate); best round.
          const requests = r.rps * (SECONDS + 1);
          for (const [k, pid, was] of before) {
            const us = (cpuMicros(pid) - was) / requests;
            cpu[i]![k] = Math.min(cpu[i]![k] ?? Number.POSITIVE_INFINITY, us);
          }
        }
        results[i]![point] = best(results[i]![point], r);
      }
    }
  }
  const series = (r: Partial<Record<Point, LoadResult>>): Series => ({
    saturation: r.saturation!,
    rated: { 1000: r[1000]!, 2000: r[2000]! },
  });
  return [series(results[0]), series(results[1])];
}

const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const signed = (n: number) => `${n >= 0 ? '+' : ''}${f(n)} ms`;

export default async function bench(): Promise<BenchResult> {
  const envoyBin = findEnvoyBinary();
  if (!envoyBin) throw new Error(`Envoy is required: ${ENVOY_INSTALL_HINT}`);
  const [upPort, upAdmin, aloneProxy, aloneAdmin] = (await freePorts(4)) as [
    number,
    number,
    number,
    number,
  ];
  const upstream = await startStaticEnvoy(envoyBin, upstreamBootstrap(upPort, upAdmin), upPort, 1);
  let alone: Series;
  let withPortcullis: Series;
  try {
    // One worker thread, like the Envoy that `portcullis start` supervises: the comparison is
    // the same Envoy with and without ext_authz.
    const plain = await startStaticEnvoy(
      envoyBin,
      proxyBootstrap(aloneProxy, upPort, aloneAdmin),
      aloneProxy,
      1,
    );
    try {
      const stack = await startE2eStack('all', {
        logLevel: process.env.BENCH_LOG_LEVEL ?? 'info',
        collectLogs: false,
        // The production tuning the README recommends for authz (fewer young-generation pauses).
        execArgv: ['--max-semi-space-size=64'],
        extraRoutes: `- from: http://bench.localhost:{{envoy}}\n  to: http://127.0.0.1:${upPort}\n  allow_any_authenticated_user: true`,
      });
      try {
        const browser = stack.browser();
        const landed = await scriptedSignIn(stack, browser, `${stack.url('bench')}/`);
        if (landed.status !== 200) throw new Error(`signed-in request answered ${landed.status}`);
        const cookie = browser.jar.header(new URL(stack.url('bench')));
        [alone, withPortcullis] = await measureBoth(
          {
            url: `http://127.0.0.1:${aloneProxy}/`,
            authority: `bench.localhost:${aloneProxy}`,
            cpu: { envoy: plain.pid },
          },
          {
            url: `http://127.0.0.1:${stack.envoyPort}/`,
            authority: `bench.localhost:${stack.envoyPort}`,
            headers: { cookie },
            cpu: {
              envoy: childPids(stack.portcullis!.child.pid!)[0] ?? 0,
              node: stack.portcullis!.child.pid!,
            },
          },
        );
      } finally {
        await stack.close();
      }
    } finally {
      await plain.stop();
    }
  } finally {
    await upstream.stop();
  }

  const failed =
    withPortcullis.saturation.failed +
    RATES.reduce((n, r) => n + withPortcullis.rated[r].failed, 0);
  const figures: Record<string, number> = {
    envoy_alone_rps: Math.round(alone.saturation.rps),
    portcullis_rps: Math.round(withPortcullis.saturation.rps),
    throughput_ratio: withPortcullis.saturation.rps / alone.saturation.rps,
    portcullis_failed_requests: failed,
    envoy_alone_cpu_us_per_request: cpu[0].envoy ?? Number.NaN,
    portcullis_envoy_cpu_us_per_request: cpu[1].envoy ?? Number.NaN,
    portcullis_node_cpu_us_per_request: cpu[1].node ?? Number.NaN,
  };
  for (const r of RATES) {
    figures[`envoy_alone_p50_ms_at_${r}`] = alone.rated[r].p50Ms;
    figures[`envoy_alone_p99_ms_at_${r}`] = alone.rated[r].p99Ms;
    figures[`portcullis_p50_ms_at_${r}`] = withPortcullis.rated[r].p50Ms;
    figures[`portcullis_p99_ms_at_${r}`] = withPortcullis.rated[r].p99Ms;
    figures[`added_p99_ms_at_${r}`] = withPortcullis.rated[r].p99Ms - alone.rated[r].p99Ms;
  }
  const rows = [
    ['', 'Envoy alone', 'Envoy + Portcullis', 'ratio / added'],
    [
      'throughput at saturation (req/s)',
      f(alone.saturation.rps, 0),
      f(withPortcullis.saturation.rps, 0),
      `${f(figures.throughput_ratio!)}×`,
    ],
    [
      'CPU per request at saturation (µs)',
      `${f(cpu[0].envoy ?? Number.NaN, 0)} Envoy`,
      `${f(cpu[1].envoy ?? Number.NaN, 0)} Envoy + ${f(cpu[1].node ?? Number.NaN, 0)} Node`,
      '',
    ],
    ...RATES.flatMap((r) => [
      [
        `p50 at ${r} req/s (ms)`,
        f(alone.rated[r].p50Ms),
        f(withPortcullis.rated[r].p50Ms),
        signed(withPortcullis.rated[r].p50Ms - alone.rated[r].p50Ms),
      ],
      [
        `p99 at ${r} req/s (ms)`,
        f(alone.rated[r].p99Ms),
        f(withPortcullis.rated[r].p99Ms),
        signed(figures[`added_p99_ms_at_${r}`]!),
      ],
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const table = rows
    .map((row) =>
      row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '),
    )
    .join('\n');
  return {
    figures,
    goals: {
      throughput_ratio: { min: 0.5 },
      added_p99_ms_at_1000: { max: 2 },
      portcullis_failed_requests: { max: 0 },
    },
    table: `${table}\n(Envoy with 1 worker thread in both; Portcullis with --max-semi-space-size=64; h2load HTTP/1.1, ${SECONDS} s per point after 1 s warm-up, best of ${ROUNDS} alternating rounds; 32 connections at saturation; fixed rates as N×100 req/s connections; signed-in session cookie on every Portcullis request)`,
  };
}

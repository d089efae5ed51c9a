// Garbage per Check (issue 19, docs/performance.md "Tails"): bytes the JavaScript heap takes per
// Check and bytes that survive a scavenge (copied within the young generation or promoted) per
// 1,000 Checks, for the lean Check transport's handler (authz/grpc/lean-check.ts) driven in
// process with the authz bench's config, session and request corpus (bench/authz.bench.ts),
// the `authorize` line written by the logger `portcullis start` makes (to /dev/null). No
// node:http2 session: the stream is a stand-in, so what is counted is authz's own garbage.
// Deterministic (bytes, not time): a figure moves only when the code allocates differently.
//
// The child inherits this process's V8 flags: `node --max-semi-space-size=64 dist/bench/run.js
// check-alloc` measures with README "Production tuning"'s young generation.
//
// The same file is the child process: `node check-alloc.bench.js child ROUTES` (fresh heap, its
// stdout, where the log goes, is /dev/null; the result comes back over IPC).
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { argv, execPath } from 'node:process';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import type * as grpc from '@grpc/grpc-js';
import { serviceDefinitions } from '../authz/grpc/grpc-services.js';
import { createAuthzServer } from '../authz/index.js';
import { createLogger } from '../cli/lib/create-logger.js';
import { authzParts } from './authz.bench.js';
import { benchCheckRequest } from './lib/check-request.js';
import type { BenchResult } from './run.js';

const SELF = fileURLToPath(import.meta.url);
const WARMUP = 20_000;
const CHECKS = 50_000;
const BATCH = 32;

interface AllocResult {
  readonly routes: number;
  readonly checks: number;
  readonly allocatedPerCheck: number;
  readonly survivedPer1000: number;
  readonly scavenges: number;
}

/** A stand-in for the ServerHttp2Stream of one Check: resolves when the answer is written. */
class CheckStream extends EventEmitter {
  destroyed = false;
  closed = false;
  writable = true;
  headersSent = false;
  private readonly done: (answered: boolean) => void;
  constructor(done: (answered: boolean) => void) {
    super();
    this.done = done;
  }
  resume(): void {}
  respond(_headers: object, opts?: { endStream?: boolean }): void {
    this.headersSent = true;
    if (opts?.endStream) this.done(false);
  }
  end(_frame: Buffer): void {
    queueMicrotask(() => this.emit('wantTrailers'));
  }
  sendTrailers(_trailers: object): void {
    this.done(true);
  }
}

type StreamListener = (s: unknown, h: object, f: number, raw: readonly string[]) => void;

/** Young + old bytes the mutator allocated between GCs (from V8's GC statistics). */
function heapUsed(stats: { spaceName: string; spaceUsedSize: number }[]): number {
  return stats.reduce((a, s) => a + s.spaceUsedSize, 0);
}

async function child(routes: number): Promise<void> {
  const secret = randomBytes(32).toString('base64');
  const { loaded, store, token } = await authzParts(routes, secret);
  const logger = createLogger({ level: 'info', pretty: false });
  const authz = createAuthzServer({ loaded, store, logger });
  // routeChecks() on a stand-in of grpc-js's HTTP/2 server: the handler `portcullis start` uses.
  const h2 = new EventEmitter();
  h2.on('stream', () => undefined);
  authz.routeChecks({ http2Servers: new Map([[h2, {}]]) } as unknown as grpc.Server);
  const onStream = h2.listeners('stream')[0] as StreamListener;
  const def = serviceDefinitions().authorization.Check as grpc.MethodDefinition<object, unknown>;
  const frames = Array.from({ length: routes }, (_, i) => {
    const msg = def.requestSerialize(benchCheckRequest(i, token));
    const frame = Buffer.alloc(5 + msg.length);
    frame.writeUInt32BE(msg.length, 1);
    msg.copy(frame, 5);
    return frame;
  });
  const headers = {
    ':path': '/envoy.service.auth.v3.Authorization/Check',
    'content-type': 'application/grpc',
    'grpc-timeout': '10S',
    te: 'trailers',
  };
  let refused = 0;
  const one = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const s = new CheckStream((answered) => {
        if (!answered) refused++;
        resolve();
      });
      onStream(s, headers, 0, []);
      s.emit('data', frames[i % frames.length]);
      s.emit('end');
    });
  const run = async (n: number): Promise<void> => {
    for (let i = 0; i < n; i += BATCH) {
      await Promise.all(Array.from({ length: BATCH }, (_, j) => one(i + j)));
      // A turn of the event loop between batches, as a server has between reads: the log
      // writer's I/O completes (without it every line would stay buffered and survive).
      await new Promise((r) => setImmediate(r));
    }
  };
  await run(WARMUP);
  if (refused > 0) throw new Error(`${refused} bench Checks were not answered OK`);
  const profiler = new v8.GCProfiler();
  const space = () =>
    v8
      .getHeapSpaceStatistics()
      .map((s) => ({ spaceName: s.space_name, spaceUsedSize: s.space_used_size }));
  const start = heapUsed(space());
  // CHECK_ALLOC_HEAP_PROFILE=file.heapprofile: where the bytes are allocated (a sampling heap
  // profile that keeps collected objects; open it in Chrome DevTools' Memory tab). With
  // CHECK_ALLOC_SURVIVORS=1 it drops what a scavenge collected: what is left outlived one.
  const sampling = process.env.CHECK_ALLOC_HEAP_PROFILE;
  const session = sampling ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 512,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: process.env.CHECK_ALLOC_SURVIVORS !== '1',
    });
  }
  profiler.start();
  await run(CHECKS);
  const end = heapUsed(space());
  const stats = profiler.stop().statistics;
  if (session && sampling) {
    const { profile } = await session.post('HeapProfiler.stopSampling');
    writeFileSync(sampling, JSON.stringify(profile));
  }
  let allocated = 0;
  let survived = 0;
  let scavenges = 0;
  let last = start;
  for (const gc of stats) {
    const before = heapUsed(gc.beforeGC.heapSpaceStatistics);
    const after = heapUsed(gc.afterGC.heapSpaceStatistics);
    allocated += Math.max(0, before - last);
    last = after;
    if (gc.gcType === 'Scavenge') {
      scavenges++;
      const young = (s: typeof gc.afterGC.heapSpaceStatistics, name: string) =>
        s.find((x) => x.spaceName === name)?.spaceUsedSize ?? 0;
      const a = gc.afterGC.heapSpaceStatistics;
      const b = gc.beforeGC.heapSpaceStatistics;
      // Copied within the young generation plus promoted into the old one.
      survived +=
        young(a, 'new_space') +
        Math.max(0, young(a, 'old_space') - young(b, 'old_space')) +
        Math.max(0, young(a, 'large_object_space') - young(b, 'large_object_space'));
    }
  }
  allocated += Math.max(0, end - last);
  if (refused > 0) throw new Error(`${refused} bench Checks were not answered OK`);
  process.send?.({
    routes,
    checks: CHECKS,
    allocatedPerCheck: allocated / CHECKS,
    survivedPer1000: (survived / CHECKS) * 1000,
    scavenges,
  } satisfies AllocResult);
  await authz.close();
  process.exit(0);
}

function measure(routes: number): Promise<AllocResult> {
  return new Promise((resolve, reject) => {
    const p = fork(SELF, ['child', String(routes)], {
      execPath,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    p.once('message', (m) => resolve(m as AllocResult));
    p.once('exit', (code) => reject(new Error(`check-alloc child exited with ${code}`)));
  });
}

export default async function bench(): Promise<BenchResult> {
  const figures: Record<string, number> = {};
  const lines = [
    'routes  KB allocated per Check  KB surviving per 1,000 Checks  scavenges  KB surviving per scavenge',
  ];
  for (const routes of [10, 10_000]) {
    const r = await measure(routes);
    const perScavenge = r.scavenges === 0 ? 0 : (r.survivedPer1000 * r.checks) / 1000 / r.scavenges;
    figures[`check_alloc_kb_${routes}_routes`] = r.allocatedPerCheck / 1024;
    figures[`check_survived_kb_per_1000_${routes}_routes`] = r.survivedPer1000 / 1024;
    figures[`check_survived_kb_per_scavenge_${routes}_routes`] = perScavenge / 1024;
    lines.push(
      [
        String(routes).padStart(6),
        (r.allocatedPerCheck / 1024).toFixed(2).padStart(22),
        (r.survivedPer1000 / 1024).toFixed(1).padStart(29),
        String(r.scavenges).padStart(9),
        (perScavenge / 1024).toFixed(0).padStart(25),
      ].join('  '),
    );
  }
  return { figures, goals: {}, table: lines.join('\n') };
}

if (argv[1] === SELF && argv[2] === 'child') {
  child(Number(argv[3])).catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

// Tracing cost on the authz Check path (docs/tracing.md): the real authz server on a loopback
// gRPC server, a closed-loop gRPC client in the same process, Checks that carry a traceparent as
// Envoy's ext_authz client sends it. Rows: tracing off and on with 1% of traces sampled (Envoy's
// random_sampling decides: 1 in 100 traceparents has the sampled flag), alternating in paired
// rounds, then on at 100%. Spans go over OTLP/HTTP to a loopback sink that answers 200.
// `npm run bench -- authz` runs these rows after its own (bench/lib/tracing-rows.ts); `-- tracing`
// runs only them.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { createAuthzServer } from '../authz/index.js';
import { resolveTracing } from '../config/index.js';
import { loadGrpcObject, serviceProtoFiles } from '../protos/index.js';
import { startTracing, stopTracing } from '../tracing/index.js';
import { authzParts } from './authz.bench.js';
import { benchCheckRequest } from './lib/check-request.js';
import type { BenchResult } from './run.js';

const ROUTES = 10;
const CONCURRENCY = 32;
const WARMUP_MS = 1000;
const PHASE_MS = 2000;
const ROUNDS = 3;

type CheckClient = grpc.Client & {
  Check(req: object, md: grpc.Metadata, cb: (err: grpc.ServiceError | null) => void): void;
};

/** Closed loop for `ms`: Checks per second (every answer must be OK). */
async function phase(client: CheckClient, token: string, sampledEvery: number, ms: number) {
  let n = 0;
  let errors = 0;
  let stop = false;
  const one = (i: number): Promise<void> =>
    new Promise((resolve) => {
      const md = new grpc.Metadata();
      const sampled = sampledEvery > 0 && i % sampledEvery === 0 ? '01' : '00';
      md.set(
        'traceparent',
        `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-${sampled}`,
      );
      client.Check(benchCheckRequest(i % ROUTES, token), md, (err) => {
        if (err) errors++;
        resolve();
      });
    });
  const t0 = performance.now();
  setTimeout(() => {
    stop = true;
  }, ms).unref();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (!stop) await one(n++);
    }),
  );
  return { rate: n / ((performance.now() - t0) / 1000), errors };
}

export default async function run(): Promise<BenchResult> {
  const secret = randomBytes(32).toString('base64');
  const { loaded, store, token } = await authzParts(ROUTES, secret);
  const authz = createAuthzServer({ loaded, store, logger: pino({ level: 'silent' }) });
  const port = await authz.listen(0);
  let exported = 0;
  const sink = createServer((req, res) => {
    req.on('data', (c: Buffer) => {
      exported += c.length;
    });
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const sinkPort = (sink.address() as AddressInfo).port;
  const root = loadGrpcObject([serviceProtoFiles.extAuthz]) as unknown as {
    envoy: {
      service: {
        auth: { v3: { Authorization: new (a: string, c: grpc.ChannelCredentials) => CheckClient } };
      };
    };
  };
  const client = new root.envoy.service.auth.v3.Authorization(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  );
  const settings = (ratio: number) =>
    resolveTracing({
      otel_traces_exporter: 'otlp',
      otel_exporter_otlp_endpoint: `http://127.0.0.1:${sinkPort}`,
      otel_traces_sampler_arg: ratio,
    })!;
  const measure = async (label: string, sampledEvery: number) => {
    await phase(client, token, sampledEvery, WARMUP_MS);
    const r = await phase(client, token, sampledEvery, PHASE_MS);
    if (r.errors > 0) throw new Error(`${label}: ${r.errors} Checks failed`);
    return r.rate;
  };
  // Off and on at 1% alternate for ROUNDS paired rounds (a shared machine drifts: each round's
  // ratio sees the same load on both sides; the figure is the median of those ratios), then
  // 100% once.
  const offs: number[] = [];
  const ons: number[] = [];
  let full = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      offs.push(await measure('off', 0));
      await startTracing(settings(0.01), 'portcullis-bench');
      ons.push(await measure('on, 1% sampled', 100));
      await stopTracing();
    }
    await startTracing(settings(1), 'portcullis-bench');
    full = await measure('on, 100% sampled', 1);
    await stopTracing();
  } finally {
    await stopTracing();
    client.close();
    await authz.close();
    sink.close();
  }
  const median = (xs: readonly number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  const off = median(offs);
  const ratio = median(offs.map((o, i) => ons[i]! / o));
  const rows: [string, number, string][] = [
    ['off', off, offs.map((x) => x.toFixed(0)).join(', ')],
    ['on, 1% sampled', median(ons), ons.map((x) => x.toFixed(0)).join(', ')],
    ['on, 100% sampled', full, 'once, after the rounds'],
  ];
  const table = [
    `Check throughput, one process (client and server), ${CONCURRENCY} in flight, ${ROUTES} routes; median of ${ROUNDS} alternating rounds`,
    'tracing             Checks/s   vs off   rounds',
    ...rows.map(
      ([l, r, each]) =>
        `${l.padEnd(18)}  ${r.toFixed(0).padStart(8)}   ${((r / off - 1) * 100).toFixed(1).padStart(5)}%   ${each}`,
    ),
    `on at 1% / off, median of the paired rounds: ${ratio.toFixed(3)} (spans exported: ${exported} bytes)`,
  ].join('\n');
  return {
    figures: {
      checks_per_s_tracing_off: Math.round(off),
      checks_per_s_tracing_1pct: Math.round(median(ons)),
      checks_per_s_tracing_100pct: Math.round(full),
      tracing_1pct_vs_off: ratio,
    },
    goals: { tracing_1pct_vs_off: { min: 0.9 } },
    table,
  };
}

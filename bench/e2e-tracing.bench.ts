// The e2e cost of tracing (docs/tracing.md): `portcullis start` all-in-one (Envoy + authz +
// authn) in front of a fast upstream (an Envoy answering "ok"), signed-in session cookie on every
// request, run twice: tracing off, then on with 1% sampled (Envoy and our services export OTLP/HTTP
// to a loopback sink in this process). h2load throughput at saturation and p99 at 1,000 req/s.
// `npm run bench -- e2e` runs these rows after its own (bench/lib/tracing-rows.ts); `-- e2e-tracing`
// runs only them.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ENVOY_INSTALL_HINT, findEnvoyBinary } from '../cli/index.js';
import { freePorts } from '../test/helpers/free-port.js';
import { type LoadResult, runLoad } from './lib/h2load.js';
import { startSignedInStack } from './lib/signed-in-stack.js';
import { startStaticEnvoy, upstreamBootstrap } from './lib/static-envoy.js';
import type { BenchResult } from './run.js';

const SECONDS = 5;

async function measure(upPort: number, extraConfig: string) {
  const { stack, target } = await startSignedInStack(upPort, { extraConfig });
  try {
    const saturation = await runLoad(target, { clients: 32, seconds: SECONDS });
    const rated = await runLoad(target, { clients: 10, rps: 100, seconds: SECONDS });
    return { saturation, rated };
  } finally {
    await stack.close();
  }
}

export default async function bench(): Promise<BenchResult> {
  const envoyBin = findEnvoyBinary();
  if (!envoyBin) throw new Error(`Envoy is required: ${ENVOY_INSTALL_HINT}`);
  const [upPort, upAdmin] = await freePorts(2);
  let exported = 0;
  const sink = createServer((req, res) => {
    req.on('data', (c: Buffer) => {
      exported += c.length;
    });
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end());
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', () => r()));
  const sinkPort = (sink.address() as AddressInfo).port;
  const upstream = await startStaticEnvoy(envoyBin, upstreamBootstrap(upPort, upAdmin), upPort, 1);
  let off: { saturation: LoadResult; rated: LoadResult };
  let on: { saturation: LoadResult; rated: LoadResult };
  try {
    off = await measure(upPort, '');
    on = await measure(
      upPort,
      `otel_traces_exporter: otlp\notel_exporter_otlp_endpoint: http://127.0.0.1:${sinkPort}\notel_traces_sampler_arg: 0.01`,
    );
  } finally {
    await upstream.stop();
    sink.close();
  }
  const f = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
  const table = [
    'tracing            req/s at saturation   p99 ms at 1000 req/s   failed',
    ...(
      [
        ['off', off],
        ['on, 1% sampled', on],
      ] as const
    ).map(
      ([l, r]) =>
        `${l.padEnd(17)}  ${f(r.saturation.rps, 0).padStart(19)}   ${f(r.rated.p99Ms).padStart(20)}   ${r.saturation.failed + r.rated.failed}`,
    ),
    `(all-in-one, Envoy 1 worker; h2load HTTP/1.1 ${SECONDS} s per point; spans exported: ${exported} bytes)`,
  ].join('\n');
  return {
    figures: {
      tracing_off_rps: Math.round(off.saturation.rps),
      tracing_1pct_rps: Math.round(on.saturation.rps),
      tracing_1pct_vs_off: on.saturation.rps / off.saturation.rps,
      tracing_off_p99_ms_at_1000: off.rated.p99Ms,
      tracing_1pct_p99_ms_at_1000: on.rated.p99Ms,
      failed_requests:
        off.saturation.failed + off.rated.failed + on.saturation.failed + on.rated.failed,
    },
    goals: { tracing_1pct_vs_off: { min: 0.9 }, failed_requests: { max: 0 } },
    table,
  };
}

// Envoy figures: snapshot generation + validation (protos and protoc-gen-validate rules) +
// encoding for 10,000 routes, median of several runs; and, with a real Envoy ($ENVOY_BIN) on
// ADS, the time from writing a changed 1,000-route config file to Envoy serving the new route
// (file watch, reload, snapshot, push, Envoy applying it), median of several changes.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfigFile, parseConfigText, watchConfigFile } from '../config/index.js';
import {
  buildAdsBootstrap,
  buildSnapshot,
  createXdsServer,
  type EnvoyBuildOptions,
  generateSelfSignedCertificate,
  validateSnapshot,
} from '../envoy/index.js';
import { generateRoutesConfig } from '../examples/generate-routes.js';
import { startEchoUpstream } from '../test/helpers/echo-upstream.js';
import { startOkAuthzServer } from '../test/helpers/ok-authz-server.js';
import { httpGet, launchEnvoy } from '../test/helpers/spawn-envoy.js';
import type { BenchResult } from './run.js';

const RUNS = 5;
const CHANGES = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function generation(): Promise<Record<string, number>> {
  const { config } = parseConfigText(generateRoutesConfig(10_000), {
    file: 'routes-10k.yaml',
    env: {},
  });
  const opts: EnvoyBuildOptions = {
    authz: [{ host: '127.0.0.1', port: 5443 }],
    authn: { host: '127.0.0.1', port: 5444 },
    devCertificate: generateSelfSignedCertificate(['*.example.com']),
  };
  const build: number[] = [];
  const validate: number[] = [];
  const total: number[] = [];
  let bytes = 0;
  validateSnapshot(buildSnapshot(config, opts)); // warm-up (proto loading)
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const snapshot = buildSnapshot(config, opts);
    const t1 = performance.now();
    const result = validateSnapshot(snapshot);
    const t2 = performance.now();
    if (!result.ok) throw new Error('the 10k snapshot does not validate');
    bytes = [...result.encoded.types.values()].reduce(
      (n, t) => n + t.resources.reduce((m, r) => m + r.value.length, 0),
      0,
    );
    build.push(t1 - t0);
    validate.push(t2 - t1);
    total.push(t2 - t0);
  }
  return {
    snapshot_build_10k_ms: Math.round(median(build)),
    snapshot_validate_encode_10k_ms: Math.round(median(validate)),
    snapshot_total_10k_ms: Math.round(median(total)),
    snapshot_bytes_10k: bytes,
  };
}

async function reloadToServing(): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-envoy-bench-'));
  const upstream = await startEchoUpstream('bench');
  const authz = await startOkAuthzServer();
  const xds = createXdsServer({ logger: pino({ level: 'silent' }) });
  const adsPort = await xds.listen(0);
  const opts: EnvoyBuildOptions = {
    authz: [{ host: '127.0.0.1', port: authz.port }],
    authn: { host: '127.0.0.1', port: upstream.port },
    listenAddress: '127.0.0.1:0',
  };
  const base = generateRoutesConfig(1000).replace('routes:\n', 'insecure_server: true\nroutes:\n');
  const text = (n: number): string =>
    `${base}  - from: http://new-${n}.bench.test\n    to: ${upstream.url}\n    allow_public_unauthenticated_access: true\n`;
  const file = join(dir, 'config.yaml');
  await writeFile(file, text(0));
  const first = xds.setSnapshot('*', await loadConfigFile(file, { env: {} }), opts);
  if (!first.ok) throw new Error('the 1k snapshot does not validate');
  const watcher = watchConfigFile(file, {
    env: {},
    onReload: (loaded) => xds.setSnapshot('*', loaded, opts),
    onError: () => {},
  });
  const envoy = await launchEnvoy(
    buildAdsBootstrap({ ads: { host: '127.0.0.1', port: adsPort }, adminPort: 0 }),
  );
  try {
    let port = 0;
    const until = async (host: string, ms: number): Promise<number> => {
      const t0 = performance.now();
      while (performance.now() - t0 < ms) {
        if (port === 0) port = (await envoy.ports())['http-ingress'] ?? 0;
        if (
          port !== 0 &&
          (await httpGet(port, host, '/').catch(() => ({ status: 0 }))).status === 200
        ) {
          return performance.now() - t0;
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`${host} not served within ${ms} ms`);
    };
    await until('new-0.bench.test', 30_000);
    const times: number[] = [];
    for (let n = 1; n <= CHANGES; n++) {
      const t0 = performance.now();
      await writeFile(file, text(n));
      await until(`new-${n}.bench.test`, 10_000);
      times.push(performance.now() - t0);
    }
    return {
      reload_to_serving_1k_ms: Math.round(median(times)),
      reload_to_serving_1k_max_ms: Math.round(Math.max(...times)),
    };
  } finally {
    watcher.close();
    await envoy.stop();
    await xds.close();
    await authz.close();
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  }
}

export default async function bench(): Promise<BenchResult> {
  const figures = { ...(await generation()), ...(await reloadToServing()) };
  const table = [
    `10,000 routes, median of ${RUNS} runs (${(figures.snapshot_bytes_10k / 1e6).toFixed(1)} MB encoded)`,
    `  build snapshot:              ${figures.snapshot_build_10k_ms} ms`,
    `  validate + encode:           ${figures.snapshot_validate_encode_10k_ms} ms`,
    `  total:                       ${figures.snapshot_total_10k_ms} ms`,
    `1,000 routes on ADS with a real Envoy, median of ${CHANGES} changes`,
    `  config file written → new route served: ${figures.reload_to_serving_1k_ms} ms (max ${figures.reload_to_serving_1k_max_ms} ms)`,
  ].join('\n');
  return {
    figures,
    goals: { snapshot_total_10k_ms: { max: 1000 }, reload_to_serving_1k_ms: { max: 2000 } },
    table,
  };
}

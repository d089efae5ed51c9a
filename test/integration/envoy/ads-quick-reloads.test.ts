// Quick successive reloads through the ADS server against a real Envoy: two (or more) snapshots
// published back to back, each adding a route with its own upstream (so clusters, listeners and
// routes all change), while earlier responses are still unACKed. Envoy must end on the LAST
// snapshot for every type (config_dump versions equal the last snapshot's per-type versions,
// never a route config of one version with clusters/listeners of another) and serve every route.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { type Config, parseConfigText } from '../../../config/index.js';
import {
  buildAdsBootstrap,
  buildSnapshot,
  createXdsServer,
  type EnvoyBuildOptions,
  TYPE_URLS,
  validateSnapshot,
  type XdsServer,
} from '../../../envoy/index.js';
import { type EchoUpstream, startEchoUpstream } from '../../helpers/echo-upstream.js';
import { type OkAuthzServer, startOkAuthzServer } from '../../helpers/ok-authz-server.js';
import { httpGet, launchEnvoy, type RunningEnvoy } from '../../helpers/spawn-envoy.js';

const HEAD = `insecure_server: true
shared_secret: qIJ1BVzrPKysZsGqW55c+3Cn4vajtTviZSMXQqQn0sA=
cookie_secret: VyvyFbs0cgaBaHDtM135NODNJTSm1CCAnrxA3+FbQXE=
routes:
`;
const UPSTREAMS = 8;

let ups: EchoUpstream[] = [];
let authz: OkAuthzServer;
let xds: XdsServer;
let envoy: RunningEnvoy;
let port: number;
let opts: EnvoyBuildOptions;

const config = (n: number): Config => {
  let routes = '';
  for (let i = 0; i < n; i++)
    routes += `  - id: r${i}\n    from: http://r${i}.test\n    to: ${ups[i % UPSTREAMS]!.url}\n`;
  return parseConfigText(HEAD + routes, { file: 'ads.yaml', env: {} }).config;
};

async function waitFor(check: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

/**
 * Versions Envoy holds now, from its admin config_dump: the last CDS and LDS versions it accepted
 * (per-resource versions stay at the version that last changed that resource), each route
 * config's version, and whether a listener is still warming.
 */
async function envoyVersions(): Promise<Record<string, string[]>> {
  const res = await fetch(`${envoy.process.adminUrl}/config_dump`);
  const dump = (await res.json()) as { configs: Record<string, unknown>[] };
  const out: Record<string, string[]> = { cluster: [], listener: [], route: [] };
  for (const c of dump.configs) {
    const t = String(c['@type']);
    if (t.endsWith('ClustersConfigDump')) out.cluster!.push(String(c.version_info));
    if (t.endsWith('ListenersConfigDump')) {
      out.listener!.push(String(c.version_info));
      for (const d of (c.dynamic_listeners ?? []) as { warming_state?: unknown }[])
        if (d.warming_state !== undefined) out.listener!.push('warming');
    }
    if (t.endsWith('RoutesConfigDump'))
      for (const d of (c.dynamic_route_configs ?? []) as { version_info: string }[])
        out.route!.push(d.version_info);
  }
  return out;
}

function expectedVersions(cfg: Config): Record<string, string> {
  const v = validateSnapshot(buildSnapshot(cfg, opts));
  assert.ok(v.ok);
  return {
    cluster: v.encoded.types.get(TYPE_URLS.cluster)!.version,
    listener: v.encoded.types.get(TYPE_URLS.listener)!.version,
    route: v.encoded.types.get(TYPE_URLS.route)!.version,
  };
}

async function servesAll(n: number): Promise<boolean> {
  for (let i = 0; i < n; i++) {
    const res = await httpGet(port, `r${i}.test`, '/');
    if (res.status !== 200 || JSON.parse(res.body).name !== `U${i % UPSTREAMS}`) return false;
  }
  return true;
}

/** Envoy holds exactly the per-type versions of `cfg` (one version per type, none warming). */
async function onSnapshot(cfg: Config): Promise<boolean> {
  const want = expectedVersions(cfg);
  const have = await envoyVersions();
  return (['cluster', 'listener', 'route'] as const).every(
    (k) => have[k]!.length > 0 && have[k]!.every((v) => v === want[k]),
  );
}

before(async () => {
  ups = await Promise.all(Array.from({ length: UPSTREAMS }, (_, i) => startEchoUpstream(`U${i}`)));
  authz = await startOkAuthzServer();
  xds = createXdsServer({ logger: pino({ level: 'silent' }) });
  const adsPort = await xds.listen(0);
  opts = {
    authz: [{ host: '127.0.0.1', port: authz.port }],
    authn: { host: '127.0.0.1', port: ups[0]!.port },
    listenAddress: '127.0.0.1:0',
  };
  assert.ok(xds.setSnapshot('*', config(1), opts).ok);
  envoy = await launchEnvoy(
    buildAdsBootstrap({ ads: { host: '127.0.0.1', port: adsPort }, adminPort: 0 }),
  );
  await waitFor(async () => 'http-ingress' in (await envoy.ports()), 10_000);
  port = (await envoy.ports())['http-ingress']!;
  await waitFor(() => servesAll(1), 10_000);
});

after(async () => {
  await envoy?.stop();
  await xds?.close();
  await Promise.all([...ups.map((u) => u.close()), authz?.close()]);
});

test('two reloads published back to back (each adding a route) leave Envoy on the last snapshot serving every route', async () => {
  let n = 1;
  // Several rounds with different gaps between the two publishes: none, one tick, a few ms.
  for (const gap of [0, -1, 2, 5, 10, 0]) {
    const first = config(++n);
    const second = config(++n);
    assert.ok(xds.setSnapshot('*', first, opts).ok);
    if (gap === -1) await new Promise((r) => setImmediate(r));
    else if (gap > 0) await new Promise((r) => setTimeout(r, gap));
    const last = xds.setSnapshot('*', second, opts);
    assert.ok(last.ok);
    await waitFor(async () => xds.status().portcullis?.ackedSnapshot === last.version, 5000);
    await waitFor(() => onSnapshot(second), 5000).catch(async (err: Error) => {
      assert.fail(
        `gap ${gap}: ${err.message}: Envoy has ${JSON.stringify(await envoyVersions())}, want ${JSON.stringify(expectedVersions(second))}`,
      );
    });
    assert.ok(await servesAll(n), `gap ${gap}: not every one of ${n} routes is served`);
  }
});

test('a burst of five reloads ends on the last one with every route served', async () => {
  let n = 14;
  let last = config(n);
  for (let i = 0; i < 5; i++) {
    last = config(++n);
    assert.ok(xds.setSnapshot('*', last, opts).ok);
  }
  await waitFor(() => onSnapshot(last), 5000).catch(async (err: Error) => {
    assert.fail(`${err.message}: Envoy has ${JSON.stringify(await envoyVersions())}`);
  });
  assert.ok(await servesAll(n));
});

// A real Envoy driven by our ADS server: it starts from the small ADS bootstrap, serves the
// published snapshot, picks up a route change within 2 s while a load loop sees no failure,
// reports a snapshot Envoy NACKs (and keeps serving the last good one), and never receives a
// snapshot that fails our own validation.
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { type Config, parseConfigText } from '../../../config/index.js';
import {
  buildAdsBootstrap,
  createXdsServer,
  type EnvoyBuildOptions,
  TYPE_URLS,
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

let a: EchoUpstream;
let b: EchoUpstream;
let authz: OkAuthzServer;
let xds: XdsServer;
let envoy: RunningEnvoy;
let port: number;
let opts: EnvoyBuildOptions;
const logLines: { code?: string; msg?: string }[] = [];

const config = (routes: string): Config =>
  parseConfigText(HEAD + routes, { file: 'ads.yaml', env: {} }).config;
const appRoute = () => `  - id: app\n    from: http://app.test\n    to: ${a.url}\n`;
const newRoute = () => `  - id: new\n    from: http://new.test\n    to: ${b.url}\n`;

async function waitFor(check: () => Promise<boolean> | boolean, ms: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    if (await check()) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`condition not met within ${ms} ms`);
}

before(async () => {
  [a, b, authz] = await Promise.all([
    startEchoUpstream('A'),
    startEchoUpstream('B'),
    startOkAuthzServer(),
  ]);
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n'))
        if (line !== '') logLines.push(JSON.parse(line));
      done();
    },
  });
  xds = createXdsServer({ logger: pino({ level: 'info' }, sink) });
  const adsPort = await xds.listen(0);
  opts = {
    authz: [{ host: '127.0.0.1', port: authz.port }],
    authn: { host: '127.0.0.1', port: a.port },
    listenAddress: '127.0.0.1:0',
  };
  const first = xds.setSnapshot('*', config(appRoute()), opts);
  assert.ok(first.ok);
  envoy = await launchEnvoy(
    buildAdsBootstrap({ ads: { host: '127.0.0.1', port: adsPort }, adminPort: 0 }),
  );
  await waitFor(async () => 'http-ingress' in (await envoy.ports()), 10_000);
  port = (await envoy.ports())['http-ingress']!;
  await waitFor(async () => (await httpGet(port, 'app.test', '/')).status === 200, 10_000);
});

after(async () => {
  await envoy?.stop();
  await xds?.close();
  await Promise.all([a?.close(), b?.close(), authz?.close()]);
});

test('serves the published snapshot and Envoy ACKs every type', async () => {
  const res = await httpGet(port, 'app.test', '/hello');
  assert.equal(res.status, 200);
  assert.equal(JSON.parse(res.body).name, 'A');
  const node = xds.status().portcullis!;
  for (const url of Object.values(TYPE_URLS)) assert.ok(node.acked[url] !== undefined, url);
});

/** Requests app.test in a loop (new connections and one keep-alive connection) until stopped. */
function loadLoop() {
  let stop = false;
  let ok = 0;
  const failures: (number | string)[] = [];
  const names = new Set<string>();
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const one = async (a: Agent | false) => {
    const res = await httpGet(port, 'app.test', '/load', {}, 'GET', a).catch((e: Error) => ({
      status: e.message,
      body: '',
    }));
    if (res.status === 200) {
      ok++;
      names.add(JSON.parse(res.body).name);
    } else failures.push(res.status);
  };
  const done = Promise.all([
    (async () => {
      while (!stop) await one(false);
    })(),
    (async () => {
      while (!stop) await one(agent);
    })(),
  ]);
  return {
    names,
    async stop() {
      stop = true;
      await done;
      agent.destroy();
      return { ok, failures };
    },
  };
}

test('serves a new route within 2 s of the snapshot change while a load loop sees zero failures', async () => {
  const load = loadLoop();
  await new Promise((r) => setTimeout(r, 200));
  const published = xds.setSnapshot('*', config(appRoute() + newRoute()), opts);
  assert.ok(published.ok);
  const took = await waitFor(async () => {
    const res = await httpGet(port, 'new.test', '/');
    return res.status === 200 && JSON.parse(res.body).name === 'B';
  }, 2000);
  await new Promise((r) => setTimeout(r, 200));
  const { ok, failures } = await load.stop();
  assert.ok(took < 2000);
  assert.deepEqual(failures, []);
  assert.ok(ok > 20, `only ${ok} requests in the loop`);
});

test('moves a loaded route to another upstream (its cluster changes) with zero failures', async () => {
  const load = loadLoop();
  await new Promise((r) => setTimeout(r, 200));
  const moved = `  - id: app\n    from: http://app.test\n    to: ${b.url}\n`;
  assert.ok(xds.setSnapshot('*', config(moved + newRoute()), opts).ok);
  await waitFor(
    async () => JSON.parse((await httpGet(port, 'app.test', '/')).body).name === 'B',
    2000,
  );
  await new Promise((r) => setTimeout(r, 200));
  const { failures } = await load.stop();
  assert.deepEqual(failures, []);
  assert.deepEqual([...load.names].sort(), ['A', 'B']);
  assert.ok(xds.setSnapshot('*', config(appRoute() + newRoute()), opts).ok);
  await waitFor(
    async () => JSON.parse((await httpGet(port, 'app.test', '/')).body).name === 'A',
    2000,
  );
});

test('reports a snapshot Envoy NACKs and keeps serving the last good one', async () => {
  // Our checks cannot know that the listener's port is taken: only Envoy can refuse it. (Regexes
  // RE2 or Envoy's program-size limit refuse never get this far: config/lib/re2-syntax.ts.)
  const held = createServer();
  await new Promise<void>((r) => held.listen(0, '127.0.0.1', () => r()));
  const taken = (held.address() as AddressInfo).port;
  const bad = `  - id: bad\n    from: http://bad.test\n    to: ${b.url}\n`;
  try {
    const published = xds.setSnapshot('*', config(appRoute() + newRoute() + bad), {
      ...opts,
      listenAddress: `127.0.0.1:${taken}`,
    });
    assert.ok(published.ok);
    await waitFor(() => xds.status().portcullis?.lastNack?.version !== undefined, 5000);
  } finally {
    held.close();
  }
  const nack = xds.status().portcullis!.lastNack!;
  assert.equal(nack.typeUrl, TYPE_URLS.listener);
  assert.match(nack.error, /cannot bind/);
  assert.ok(logLines.some((l) => l.code === 'ENVOY_CONFIG_REJECTED'));
  assert.equal((await httpGet(port, 'app.test', '/')).status, 200);
  assert.equal((await httpGet(port, 'new.test', '/')).status, 200);
  // The next good snapshot is served again.
  const fixed = `  - id: fixed\n    from: http://fixed.test\n    to: ${b.url}\n`;
  assert.ok(xds.setSnapshot('*', config(appRoute() + newRoute() + fixed), opts).ok);
  await waitFor(async () => (await httpGet(port, 'fixed.test', '/')).status === 200, 2000);
});

test('never publishes a snapshot that fails validation, names its route, and the last one keeps serving', async () => {
  const invalid = `  - id: broken\n    from: http://broken.test\n    to: ${b.url}\n    health_checks: [{http_health_check: {path: /h}}]\n`;
  const result = xds.setSnapshot('*', config(appRoute() + invalid), opts);
  assert.equal(result.ok, false);
  assert.ok(
    !result.ok &&
      result.issues.some((i) => i.code === 'ENVOY_RESOURCE_INVALID' && i.route?.id === 'broken'),
  );
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await httpGet(port, 'new.test', '/')).status, 200);
  assert.equal((await httpGet(port, 'broken.test', '/')).status, 404);
});

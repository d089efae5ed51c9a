// Issue 15, "beside an existing Envoy": a hand-written Envoy config (its own TLS listener, a Lua
// filter, two public routes) gets Portcullis through the documented command
// `portcullis envoy attach -c portcullis.yaml --envoy their-envoy.yaml`. The real Envoy runs the
// merged result: protected hosts redirect to sign in, allow and deny as the policy says; the
// team's own routes still answer without a session; the diff to their file is small and only adds.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parse } from 'yaml';
import { generateSelfSignedCertificate } from '../../envoy/index.js';
import { type AuthzHarness, baseYaml, startAuthzHarness } from '../helpers/authz-harness.js';
import { repoRoot } from '../helpers/config-fixtures.js';
import { type EchoUpstream, startEchoUpstream } from '../helpers/echo-upstream.js';
import { freePort } from '../helpers/free-port.js';
import { PORTCULLIS_ENTRY } from '../helpers/portcullis-entry.js';
import { launchEnvoy, type RunningEnvoy } from '../helpers/spawn-envoy.js';

const cli = PORTCULLIS_ENTRY;

let app: EchoUpstream;
let theirBackend: EchoUpstream;
let authn: EchoUpstream;
let authz: AuthzHarness;
let envoy: RunningEnvoy;
let port: number;
let theirFile: string;
let ourFile: string;
let diffOut = '';
let diffErr = '';

function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { env: {}, maxBuffer: 16 << 20 }, (e, out, err) =>
      resolve({ code: e === null ? 0 : typeof e.code === 'number' ? e.code : 1, out, err }),
    );
  });
}

before(async () => {
  [app, theirBackend, authn] = await Promise.all([
    startEchoUpstream('app'),
    startEchoUpstream('their-backend'),
    startEchoUpstream('authn'),
  ]);
  const routes = `routes:
  - from: https://app.example.com
    to: ${app.url}
    allowed_domains: [example.com]
`;
  authz = await startAuthzHarness({ yaml: routes });
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-attach-'));
  ourFile = join(dir, 'portcullis.yaml');
  writeFileSync(ourFile, `${baseYaml()}\n${routes}`);
  const cert = generateSelfSignedCertificate([
    'www.example.net',
    'app.example.com',
    'auth.example.com',
  ]);
  writeFileSync(join(dir, 'cert.pem'), cert.cert);
  writeFileSync(join(dir, 'key.pem'), cert.key);
  port = await freePort();
  theirFile = join(dir, 'their-envoy.yaml');
  writeFileSync(
    theirFile,
    readFileSync(join(repoRoot(), 'test', 'e2e', 'fixtures', 'existing-envoy.yaml'), 'utf8')
      .replace('LISTEN_PORT', String(port))
      .replace('BACKEND_PORT', new URL(theirBackend.url).port)
      .replace('CERT_FILE', join(dir, 'cert.pem'))
      .replace('KEY_FILE', join(dir, 'key.pem')),
  );
  const endpoints = ['--authz', `127.0.0.1:${authz.port}`, '--authn', `127.0.0.1:${authn.port}`];
  const merged = await run(['envoy', 'attach', '-c', ourFile, '--envoy', theirFile, ...endpoints]);
  assert.equal(merged.code, 0, merged.err);
  const diff = await run([
    'envoy',
    'attach',
    '-c',
    ourFile,
    '--envoy',
    theirFile,
    '--diff',
    ...endpoints,
  ]);
  assert.equal(diff.code, 0, diff.err);
  diffOut = diff.out;
  diffErr = diff.err;
  envoy = await launchEnvoy(parse(merged.out) as Record<string, unknown>);
  ({ token } = await authz.signIn({ email: 'alice@example.com' }));
  ({ token: eve } = await authz.signIn({ email: 'eve@evil.test' }));
});
let token: string;
let eve: string;
after(async () => {
  await envoy?.stop();
  await authz?.close().catch(() => undefined);
  await Promise.all([app?.close(), theirBackend?.close(), authn?.close()]);
});

function get(host: string, path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          servername: host,
          path,
          headers: { host, ...headers },
          rejectUnauthorized: false,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => {
            body += c;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        },
      );
      req.on('error', reject);
      req.end();
    },
  );
}

test('a protected host sends an anonymous browser to sign in (the upstream is never reached)', async () => {
  const res = await get('app.example.com', '/page', { accept: 'text/html' });
  assert.equal(res.status, 302);
  assert.match(
    String(res.headers.location),
    /^https:\/\/auth\.example\.com\/\.pomerium\/sign_in\?/,
  );
  assert.notEqual(res.headers['x-upstream'], 'app');
});

test('a protected host lets alice in and refuses eve, as the policy says', async () => {
  const ok = await get('app.example.com', '/page', { cookie: `_pomerium=${token}` });
  assert.equal(ok.status, 200);
  assert.equal(ok.headers['x-upstream'], 'app');
  const denied = await get('app.example.com', '/page', {
    cookie: `_pomerium=${eve}`,
    accept: 'application/json',
  });
  assert.equal(denied.status, 403);
});

test("the team's own routes still answer without a session, and their Lua filter still runs", async () => {
  const status = await get('www.example.net', '/status');
  assert.equal(status.status, 200);
  assert.equal(status.body, 'their status page');
  assert.equal(status.headers['x-their-filter'], 'ran');
  const backend = await get('www.example.net', '/anything');
  assert.equal(backend.status, 200);
  assert.equal(backend.headers['x-upstream'], 'their-backend');
});

test('the printed diff to their file only adds lines and stays small', () => {
  const removed = diffOut.split('\n').filter((l) => l.startsWith('-'));
  const added = diffOut.split('\n').filter((l) => l.startsWith('+'));
  assert.deepEqual(removed, []);
  assert.ok(added.length > 0);
  assert.ok(added.length < 400, `${added.length} lines added`);
  assert.match(diffOut, /\+\s+- name: envoy\.filters\.http\.ext_authz/);
  assert.match(diffErr, /ext_authz disabled on 2 route\(s\) of yours/);
});

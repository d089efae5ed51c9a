// Forward-auth end to end (docs/forward-auth.md): real nginx and Caddy from Debian's packages
// (scripts/setup/nginx, scripts/setup/caddy), run unprivileged on free 127.0.0.1 ports with the
// configs below (the documented snippets), in front of an echo upstream; `portcullis start`
// (all-in-one, Postgres databroker) serves forward_auth_address and authn; the dev IdP signs
// Alice in through Chromium. Allow with identity headers and a signed assertion at the upstream,
// deny with the explained page, revocation, and a table of spoofed headers that fail closed.
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type { BrowserContext, Browser as Chromium } from 'playwright-core';
import { openPostgresStore, type RecordStore } from '../../databroker/index.js';
import { type DevIdp, startDevIdp } from '../../examples/dev-idp/index.js';
import {
  type PortcullisProcess,
  spawnPortcullis,
} from '../../examples/split-mode/spawn-portcullis.js';
import { launchChromium, saveScreenshot, submitIdpLogin } from '../helpers/chromium.js';
import { ALICE } from '../helpers/e2e-stack.js';
import { type Echo, type EchoUpstream, startEchoUpstream } from '../helpers/echo-upstream.js';
import { freePorts } from '../helpers/free-port.js';
import { databaseUrl, dropSchema, testSchemaName } from '../helpers/postgres.js';
import { type HttpResult, httpGet } from '../helpers/spawn-envoy.js';

function installed(tool: 'nginx' | 'caddy', paths: readonly string[]): string {
  for (const p of paths) if (existsSync(p)) return p;
  throw new Error(
    `${tool} is required for the forward-auth e2e: run scripts/setup/${tool} (Debian package ${tool})`,
  );
}

const SHARED_SECRET = randomBytes(32).toString('base64');
let dir: string;
let idp: DevIdp;
let echo: EchoUpstream;
let portcullis: PortcullisProcess;
let store: RecordStore;
let chromium: Chromium;
const schema = testSchemaName('fwdauth');
const children: ChildProcess[] = [];
let ports: { nginx: number; caddy: number; fwd: number; authn: number };

type Proxy = 'nginx' | 'caddy';
const PROXIES: readonly Proxy[] = ['nginx', 'caddy'];
const url = (proxy: Proxy, name: string, path = '/'): string =>
  `http://${name}.localhost:${ports[proxy]}${path}`;

function nginxConf(d: string): string {
  const own = (loc: string) => `
    location ${loc} {
      proxy_pass http://127.0.0.1:${ports.authn};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-Proto $scheme;
    }`;
  const ask = `
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header X-Original-Method $request_method;
      proxy_set_header X-Original-URL $scheme://$http_host$request_uri;
      proxy_set_header X-Real-IP $remote_addr;`;
  return `
daemon off;
master_process off;
pid ${d}/nginx.pid;
error_log ${d}/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${d}/body; proxy_temp_path ${d}/proxy; fastcgi_temp_path ${d}/fcgi;
  uwsgi_temp_path ${d}/uwsgi; scgi_temp_path ${d}/scgi;
  server {
    listen 127.0.0.1:${ports.nginx};
    server_name authenticate.localhost;
    ${own('/')}
  }
  server {
    listen 127.0.0.1:${ports.nginx} default_server;
    server_name _;
    ${own('/.pomerium/')}
    ${own('= /.pomerium')}
    ${own('/.well-known/pomerium')}
    location = /portcullis-auth {
      internal;
      proxy_pass http://127.0.0.1:${ports.fwd}/verify/nginx;${ask}
    }
    location @portcullis {
      rewrite ^ /page/nginx break;
      proxy_pass http://127.0.0.1:${ports.fwd};${ask}
    }
    location / {
      auth_request /portcullis-auth;
      auth_request_set $pc_jwt $upstream_http_x_pomerium_jwt_assertion;
      auth_request_set $pc_email $upstream_http_x_pomerium_claim_email;
      auth_request_set $pc_groups $upstream_http_x_pomerium_claim_groups;
      error_page 401 403 = @portcullis;
      proxy_pass http://127.0.0.1:${echo.port};
      proxy_set_header Host $http_host;
      proxy_set_header X-Pomerium-Jwt-Assertion $pc_jwt;
      proxy_set_header X-Pomerium-Claim-Email $pc_email;
      proxy_set_header X-Pomerium-Claim-Groups $pc_groups;
    }
  }
}
`;
}

function caddyfile(): string {
  return `{
  admin off
  auto_https off
}
http://:${ports.caddy} {
  bind 127.0.0.1
  @own path /.pomerium /.pomerium/* /.well-known/pomerium /.well-known/pomerium/*
  handle @own {
    reverse_proxy 127.0.0.1:${ports.authn}
  }
  handle {
    route {
      request_header -X-Pomerium-Jwt-Assertion
      request_header -X-Pomerium-Claim-Email
      request_header -X-Pomerium-Claim-Groups
      forward_auth 127.0.0.1:${ports.fwd} {
        uri /verify/caddy
        copy_headers X-Pomerium-Jwt-Assertion X-Pomerium-Claim-Email X-Pomerium-Claim-Groups
      }
      reverse_proxy 127.0.0.1:${echo.port}
    }
  }
}
`;
}

async function waitForPort(port: number, what: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await httpGet(port, 'probe.localhost', '/.well-known/pomerium/jwks.json');
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${what} did not listen on ${port}`);
}

function startChild(bin: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(bin, args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ...env },
  });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
    if (process.env.E2E_LOGS) process.stderr.write(d);
  });
  child.on('exit', (code) => {
    if (code !== null && code !== 0 && !child.killed)
      process.stderr.write(`${bin} exited ${code}: ${err}\n`);
  });
  children.push(child);
  return child;
}

before(async () => {
  const nginxBin = installed('nginx', ['/usr/sbin/nginx', '/usr/bin/nginx']);
  const caddyBin = installed('caddy', ['/usr/bin/caddy', '/usr/local/bin/caddy']);
  const [nginx, caddy, fwd, authn, envoy, grpc] = await freePorts(6);
  ports = { nginx, caddy, fwd, authn };
  dir = await mkdtemp(join(tmpdir(), 'portcullis-fwdauth-'));
  echo = await startEchoUpstream('echo');
  const clientSecret = randomBytes(16).toString('hex');
  idp = await startDevIdp({
    port: 0,
    users: [{ ...ALICE, groups: [...ALICE.groups] }],
    clients: [
      {
        client_id: 'portcullis-fwdauth',
        client_secret: clientSecret,
        redirect_uris: [`http://authenticate.localhost:${nginx}/oauth2/callback`],
        post_logout_redirect_uris: [`http://authenticate.localhost:${nginx}/.pomerium/signed_out`],
      },
    ],
  });
  const configFile = join(dir, 'config.yaml');
  await writeFile(
    configFile,
    `
insecure_server: true
services: all
address: 127.0.0.1:${envoy}
grpc_address: 127.0.0.1:${grpc}
grpc_insecure: true
authenticate_service_url: http://authenticate.localhost:${nginx}
authenticate_internal_service_url: http://127.0.0.1:${authn}
forward_auth_address: 127.0.0.1:${fwd}
idp_provider: oidc
idp_provider_url: ${idp.issuer}
idp_client_id: portcullis-fwdauth
idp_client_secret: ${clientSecret}
shared_secret: ${SHARED_SECRET}
cookie_secret: ${randomBytes(32).toString('base64')}
cookie_secure: false
databroker_storage_type: postgres
databroker_storage_connection_string: ${databaseUrl()}
jwt_claims_headers: email,groups
log_level: info
routes:
  - from: http://app.localhost
    prefix: /public/
    to: ${echo.url}
    allow_public_unauthenticated_access: true
  - from: http://app.localhost
    to: ${echo.url}
    pass_identity_headers: true
    policy:
      allow:
        and:
          - groups:
              has: engineering
  - from: http://public.localhost
    to: ${echo.url}
    allow_public_unauthenticated_access: true
  - from: http://closed.localhost
    to: ${echo.url}
    pass_identity_headers: true
    policy:
      allow:
        and:
          - email:
              is: nobody@example.com
`,
  );
  portcullis = await spawnPortcullis({
    name: 'portcullis',
    configFile,
    databrokerSchema: schema,
    env: { ENVOY_BIN: process.env.ENVOY_BIN ?? '' },
    onLine: (_n, line) => {
      if (process.env.E2E_LOGS) process.stderr.write(`portcullis: ${line}\n`);
    },
  });
  store = await openPostgresStore({
    connectionString: databaseUrl(),
    sharedSecret: SHARED_SECRET,
    schema,
  });
  for (const sub of ['body', 'proxy', 'fcgi', 'uwsgi', 'scgi', 'caddy'])
    await mkdir(join(dir, sub));
  await writeFile(join(dir, 'nginx.conf'), nginxConf(dir));
  await writeFile(join(dir, 'Caddyfile'), caddyfile());
  execFileSync(nginxBin, ['-t', '-c', join(dir, 'nginx.conf'), '-p', dir], { stdio: 'pipe' });
  startChild(nginxBin, ['-c', join(dir, 'nginx.conf'), '-p', dir], {});
  startChild(caddyBin, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], {
    HOME: join(dir, 'caddy'),
    XDG_DATA_HOME: join(dir, 'caddy'),
    XDG_CONFIG_HOME: join(dir, 'caddy'),
  });
  await waitForPort(nginx, 'nginx');
  await waitForPort(caddy, 'caddy');
  chromium = await launchChromium();
});

after(async () => {
  await chromium?.close();
  for (const c of children) c.kill('SIGTERM');
  await store?.close();
  await portcullis?.stop();
  await echo?.close();
  await idp?.close();
  await dropSchema(schema).catch(() => undefined);
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Alice's cookies for `host` from a Chromium context, as one Cookie header. */
async function cookieHeader(ctx: BrowserContext, pageUrl: string): Promise<string> {
  return (await ctx.cookies(pageUrl)).map((c) => `${c.name}=${c.value}`).join('; ');
}

function get(
  proxy: Proxy,
  host: string,
  path: string,
  headers: Record<string, string | string[]> = {},
): Promise<HttpResult> {
  // node sends an array value as repeated header lines (the duplicates of the spoofing table)
  const h = headers as Record<string, string>;
  return httpGet(ports[proxy], `${host}.localhost:${ports[proxy]}`, path, h);
}

const signedIn = new Map<Proxy, { ctx: BrowserContext; cookie: string }>();

for (const proxy of PROXIES) {
  test(`${proxy}: an anonymous request to a protected route is sent to sign in; a public one reaches the upstream`, async () => {
    const anon = await get(proxy, 'app', '/');
    assert.equal(anon.status, 302, anon.body);
    const location = new URL(String(anon.headers.location));
    assert.equal(location.host, `authenticate.localhost:${ports.nginx}`);
    assert.equal(location.pathname, '/.pomerium/sign_in');
    const pub = await get(proxy, 'public', '/hello');
    assert.equal(pub.status, 200, pub.body);
    assert.equal((JSON.parse(pub.body) as Echo).path, '/hello');
    const pubPrefix = await get(proxy, 'app', '/public/x');
    assert.equal(pubPrefix.status, 200, pubPrefix.body);
  });

  test(`${proxy}: Alice signs in with Chromium; the upstream gets her identity headers and an assertion signed by Portcullis`, async () => {
    const ctx = await chromium.newContext();
    const page = await ctx.newPage();
    await page.goto(url(proxy, 'app', '/after-sign-in?x=1'));
    await submitIdpLogin(page, ALICE.username, ALICE.password);
    await page.waitForURL(url(proxy, 'app', '/after-sign-in?x=1'));
    await saveScreenshot(page, `forward-auth-${proxy}-signed-in`);
    const seen = JSON.parse(((await page.locator('body').textContent()) ?? '').trim()) as Echo;
    assert.equal(seen.path, '/after-sign-in?x=1');
    assert.equal(seen.headers['x-pomerium-claim-email'], ALICE.email);
    const jwt = String(seen.headers['x-pomerium-jwt-assertion']);
    const jwks = JSON.parse((await get(proxy, 'app', '/.well-known/pomerium/jwks.json')).body);
    const { payload } = await jwtVerify(jwt, createLocalJWKSet(jwks));
    assert.equal(payload.email, ALICE.email);
    assert.equal(payload.aud, `app.localhost`);
    signedIn.set(proxy, { ctx, cookie: await cookieHeader(ctx, url(proxy, 'app')) });
  });

  test(`${proxy}: a route whose policy refuses Alice answers 403 with the explained denial page`, async () => {
    const s = signedIn.get(proxy);
    assert.ok(s, 'the sign-in test ran first');
    const page = await s.ctx.newPage();
    // the session cookie is per host: sign in on closed.localhost (the IdP session is reused)
    const res = await page.goto(url(proxy, 'closed', '/'));
    await page.waitForURL(url(proxy, 'closed', '/'));
    const final = await page.goto(url(proxy, 'closed', '/'));
    assert.equal(final?.status(), 403, String(res?.status()));
    const text = (await page.locator('body').textContent()) ?? '';
    assert.match(text, /403|Forbidden/i);
    assert.match(text, /email must be nobody@example\.com/);
    await saveScreenshot(page, `forward-auth-${proxy}-denied`);
  });
}

/** Spoofed request-describing headers: [what, host, path, headers]. Never the upstream (200). */
const SPOOFS: readonly (readonly [string, string, string, Record<string, string | string[]>])[] = [
  ['X-Forwarded-Uri naming a public path', 'app', '/', { 'X-Forwarded-Uri': '/public/x' }],
  [
    'X-Original-URL naming a public route',
    'app',
    '/',
    { 'X-Original-URL': 'http://public.localhost/' },
  ],
  ['X-Original-URI naming a public path', 'app', '/', { 'X-Original-URI': '/public/x' }],
  ['X-Forwarded-Host naming a public host', 'app', '/', { 'X-Forwarded-Host': 'public.localhost' }],
  [
    'X-Forwarded-Method OPTIONS',
    'app',
    '/',
    { 'X-Forwarded-Method': 'OPTIONS', 'X-Original-Method': 'OPTIONS' },
  ],
  [
    'all of them at once',
    'app',
    '/',
    {
      'X-Forwarded-Uri': '/public/x',
      'X-Original-URL': 'http://public.localhost/public/x',
      'X-Forwarded-Host': 'public.localhost',
      'X-Forwarded-Proto': 'https',
    },
  ],
  ['X-Forwarded-Uri twice', 'app', '/', { 'X-Forwarded-Uri': ['/public/x', '/public/y'] }],
  [
    'X-Original-URL twice',
    'app',
    '/',
    { 'X-Original-URL': ['http://public.localhost/', 'http://public.localhost/x'] },
  ],
  [
    'X-Forwarded-Host twice',
    'app',
    '/',
    { 'X-Forwarded-Host': ['public.localhost', 'public.localhost'] },
  ],
  ['the authenticate host through the app server', 'authenticate', '/', {}],
  ['dot segments out of the public prefix', 'app', '/public/../secret', {}],
  ['encoded dot segments', 'app', '/public/%2e%2e/secret', {}],
  ['encoded slash', 'app', '/public/..%2fsecret', {}],
  ['merged slashes', 'app', '//public/../secret', {}],
  ['encoded unreserved letters', 'app', '/%70ublic/x/../../secret', {}],
  ['backslash', 'app', '/public/..\\secret', {}],
];

for (const proxy of PROXIES) {
  test(`${proxy}: spoofed X-Forwarded-*/X-Original-* headers and path tricks never reach a protected upstream (table)`, async (t) => {
    const rows: string[] = [];
    for (const [what, host, path, headers] of SPOOFS) {
      const res = await get(proxy, host, path, headers);
      rows.push(`${what}: ${res.status}`);
      assert.notEqual(
        res.status,
        200,
        `${proxy} ${what}: ${res.status} ${res.body.slice(0, 200)}\n${rows.join('\n')}`,
      );
      assert.ok(res.status >= 300 && res.status < 500, `${proxy} ${what}: ${res.status}`);
    }
    t.diagnostic(rows.join(' | '));
  });

  test(`${proxy}: identity headers a client sends never reach the upstream`, async () => {
    const res = await get(proxy, 'public', '/', {
      'X-Pomerium-Jwt-Assertion': 'forged',
      'X-Pomerium-Claim-Email': 'forged@example.com',
    });
    assert.equal(res.status, 200, res.body);
    const seen = JSON.parse(res.body) as Echo;
    assert.notEqual(seen.headers['x-pomerium-jwt-assertion'], 'forged');
    assert.notEqual(seen.headers['x-pomerium-claim-email'], 'forged@example.com');
  });
}

test('deleting the session in the databroker denies the next request through both proxies within 100 ms', async () => {
  for (const proxy of PROXIES) {
    const s = signedIn.get(proxy);
    assert.ok(s, 'the sign-in tests ran first');
    assert.equal((await get(proxy, 'app', '/', { cookie: s.cookie })).status, 200);
  }
  const sessions = (await store.list('session', { limit: 1000 })).records;
  assert.ok(sessions.length >= 1);
  for (const r of sessions) await store.delete('session', r.id);
  await new Promise((r) => setTimeout(r, 100));
  for (const proxy of PROXIES) {
    const s = signedIn.get(proxy)!;
    const res = await get(proxy, 'app', '/', { cookie: s.cookie });
    assert.equal(res.status, 302, `${proxy}: ${res.status} ${res.body.slice(0, 200)}`);
  }
});

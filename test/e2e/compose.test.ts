// End to end, the compose stack for real: `docker-compose up --build` on a real Docker engine
// (scripts/setup/docker starts it and builds the local stand-ins of the base images), Chromium
// signs in through the published port at the dev IdP, allow/deny and the identity headers at the
// upstream, one authorize container killed under load, sign-out, a restart of the proxy
// container, then `docker-compose down -v`. The slowest test of the suite: one stack per file.
//
// The published port is a free loopback port (PORTCULLIS_HTTP_PORT); the stack's URLs keep :8090
// (Envoy's port inside the compose network), so Chromium and the load loops reach them through
// the published port as an HTTP proxy / with the Host header.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { saveScreenshot, submitIdpLogin } from '../helpers/chromium.js';
import { repoRoot } from '../helpers/config-fixtures.js';
import { freePort } from '../helpers/free-port.js';
import { getStatus, startLoadLoops } from '../helpers/load-loops.js';
import { RUNTIME_ROOMS } from '../helpers/runtime-rooms.js';

const run = promisify(execFile);
const root = repoRoot();
const project = `portcullis-e2e-${process.pid}`;
const APP = 'app.localhost:8090';
const PUBLIC = 'public.localhost:8090';
// examples/split-mode/dev-idp.yaml
const ALICE = { username: 'alice', password: 'alice', email: 'alice@example.com' };
const BOB = { username: 'bob', password: 'bob', email: 'bob@example.com' };
const SETUP_HINT =
  'run ./scripts/setup/docker (needs Debian packages: apt-get install docker.io docker-compose debootstrap)';

let port = 0;
let env: NodeJS.ProcessEnv = {};
let browser: Browser | undefined;
let upLog = '';

async function compose(args: string[], timeout = 120_000): Promise<string> {
  const { stdout } = await run('docker-compose', ['-p', project, ...args], {
    cwd: root,
    env,
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** `docker-compose up --build -d`, its output kept for the failure message. */
function composeUp(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker-compose', ['-p', project, 'up', '--build', '-d'], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const keep = (d: Buffer) => {
      upLog = (upLog + d.toString()).slice(-20_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`docker-compose up exited ${code}:\n${upLog}`)),
    );
  });
}

async function containerOf(service: string): Promise<string> {
  return (await compose(['ps', '-q', service])).trim();
}

async function health(service: string): Promise<string> {
  const id = await containerOf(service);
  if (id === '') return 'missing';
  const { stdout } = await run('docker', ['inspect', '--format', '{{.State.Health.Status}}', id]);
  return stdout.trim();
}

async function waitFor(what: string, ok: () => Promise<boolean>, ms = 240_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await ok().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Both authorize replicas healthy and the stack answering through the published port. */
async function waitReady(): Promise<void> {
  await waitFor('the public route through the published port', async () => {
    const r = await getStatus(port, PUBLIC, { accept: 'application/json' });
    return r.status === 200;
  });
  await waitFor('both authorize replicas healthy', async () => {
    const states = await Promise.all(['authorize-1', 'authorize-2'].map(health));
    return states.every((s) => s === 'healthy');
  });
  await waitFor('a Check answering for the protected route', async () => {
    const r = await getStatus(port, APP, { accept: 'application/json' });
    return r.status === 401;
  });
}

before(
  async () => {
    try {
      await run('docker', ['info'], { timeout: 30_000 });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new Error(
        `a running Docker engine is required (${e.code === 'ENOENT' ? 'docker not found' : 'docker info failed'}): ${SETUP_HINT}`,
      );
    }
    for (const tag of [
      'node:24-bookworm-slim',
      'postgres:16-bookworm',
      'envoyproxy/envoy:v1.40.0',
    ]) {
      await run('docker', ['image', 'inspect', tag]).catch(() => {
        throw new Error(`base image ${tag} is missing (no registry to pull from): ${SETUP_HINT}`);
      });
    }
    port = await freePort();
    env = {
      ...process.env,
      // BuildKit through the docker CLI: the classic builder copies the whole filesystem for
      // every instruction on the vfs storage driver. Debian's docker.io CLI (/usr/bin/docker)
      // has BuildKit built in.
      PATH: `/usr/bin:${process.env.PATH ?? ''}`,
      DOCKER_BUILDKIT: '1',
      COMPOSE_DOCKER_CLI_BUILD: '1',
      PORTCULLIS_HTTP_PORT: String(port),
      COMPOSE_PROJECT_NAME: project,
      COMPOSE_HTTP_TIMEOUT: '600',
    };
    await composeUp();
    await waitReady();
    const bin = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
    browser = await chromium
      .launch({
        executablePath: bin,
        args: ['--no-sandbox', '--disable-gpu'],
        // Every URL of the stack (…localhost:8090) goes to Envoy's published port.
        proxy: { server: `http://127.0.0.1:${port}`, bypass: '<-loopback>' },
      })
      .catch((err: Error) => {
        throw new Error(
          `Chromium is required (looked for ${bin}): run ./scripts/setup-test-env and source .test-env (${err.message})`,
        );
      });
  },
  { timeout: 30 * 60_000 },
);

after(
  async () => {
    await browser?.close();
    if (env.COMPOSE_PROJECT_NAME === undefined) return;
    const dir = join(root, 'test-artifacts');
    mkdirSync(dir, { recursive: true });
    const logs = await compose(['logs', '--no-color'], 60_000).catch((e: Error) => e.message);
    writeFileSync(join(dir, 'compose-e2e.log'), `${upLog}\n${logs}`);
    await compose(['down', '-v', '--remove-orphans', '-t', '5'], 300_000);
    // The images a rebuild replaced (vfs keeps every layer in full: disk adds up run after run).
    await run('docker', ['image', 'prune', '-f', '--filter', 'dangling=true']).catch(
      () => undefined,
    );
    const left = (await run('docker', ['ps', '-aq', '--filter', `name=${project}_`])).stdout;
    assert.equal(left.trim(), '', 'docker-compose down -v removed every container');
  },
  { timeout: 10 * 60_000 },
);

async function signIn(user: { username: string; password: string }): Promise<{
  context: BrowserContext;
  page: Page;
  cookie: string;
}> {
  const context = await (browser as Browser).newContext();
  const page = await context.newPage();
  await page.goto(`http://${APP}/`);
  await submitIdpLogin(page, user.username, user.password);
  const cookie = (await context.cookies(`http://${APP}/`))
    .map((c) => `${c.name}=${c.value}`)
    .join('; ');
  return { context, page, cookie };
}

interface Report {
  app: string;
  headers: Record<string, string>;
  assertion: { verified: boolean; claims?: { email?: string } };
}

/** The demo app's JSON report, when the body is one. */
function report(body: string): Report | undefined {
  try {
    const r = JSON.parse(body) as Report;
    return r.app === 'Split-mode demo app' ? r : undefined;
  } catch {
    return undefined;
  }
}

test('Chromium signs in through the compose stack at the dev IdP and the upstream gets the identity headers', async () => {
  const { context, page, cookie } = await signIn(ALICE);
  try {
    assert.equal(new URL(page.url()).host, APP);
    await page.waitForSelector('#assertion');
    await saveScreenshot(page, 'compose-signed-in');
    assert.equal(await page.getAttribute('#assertion', 'data-verified'), 'true');
    assert.equal(await page.textContent('#email'), ALICE.email);
    const r = await getStatus(port, APP, { cookie, accept: 'application/json' });
    assert.equal(r.status, 200);
    const seen = report(r.body);
    assert.ok(seen, `the upstream answered: ${r.body.slice(0, 200)}`);
    assert.equal(seen.headers['x-pomerium-claim-email'], ALICE.email);
    assert.match(seen.headers['x-pomerium-claim-groups'] ?? '', /engineering/);
    assert.ok(
      seen.headers['x-pomerium-jwt-assertion'],
      'the signed assertion reached the upstream',
    );
    assert.equal(seen.assertion.verified, true, 'the assertion verifies against the JWKS');
  } finally {
    await context.close();
  }
});

test('through the compose stack a user outside the group is denied, anonymous callers are sent to sign in, the public route is open', async () => {
  const { context, page, cookie } = await signIn(BOB);
  try {
    assert.equal(new URL(page.url()).host, APP, 'back at the app after the sign-in');
    const denied = await getStatus(port, APP, { cookie, accept: 'application/json' });
    assert.equal(denied.status, 403);
    assert.equal(report(denied.body), undefined, 'the upstream never answered');
  } finally {
    await context.close();
  }
  const anonymous = await getStatus(port, APP, { accept: 'text/html' });
  assert.equal(anonymous.status, 302);
  assert.match(anonymous.headers.location ?? '', /^http:\/\/authenticate\.localhost:8090\//);
  assert.equal((await getStatus(port, APP, { accept: 'application/json' })).status, 401);
  const open = await getStatus(port, PUBLIC, { accept: 'application/json' });
  assert.equal(open.status, 200);
  const anonymousReport = report(open.body);
  assert.ok(anonymousReport, 'the upstream answered the public route');
  assert.ok(
    !anonymousReport.headers['x-pomerium-claim-email'],
    'no identity for an anonymous caller',
  );
});

test('an authorize container killed under load: no request is allowed by mistake and the other replica keeps serving', async () => {
  const alice = await signIn(ALICE);
  const bob = await signIn(BOB);
  await alice.context.close();
  await bob.context.close();
  const wrong: string[] = [];
  let killedAt = Number.POSITIVE_INFINITY;
  const aliceOkAfterKill = { n: 0 };
  const load = startLoadLoops([
    {
      name: 'alice',
      count: 2,
      send: async () => {
        const r = await getStatus(port, APP, { cookie: alice.cookie, accept: 'application/json' });
        if (r.status === 200) {
          const seen = report(r.body);
          if (seen?.headers['x-pomerium-claim-email'] !== ALICE.email) {
            wrong.push(
              `alice 200 without the upstream's answer for alice: ${r.body.slice(0, 120)}`,
            );
          }
          if (Date.now() > killedAt) aliceOkAfterKill.n++;
        } else if (r.status < 500 && r.status !== 0) {
          wrong.push(`alice got ${r.status}`);
        }
        return r.status;
      },
    },
    {
      name: 'bob',
      count: 2,
      send: async () => {
        const r = await getStatus(port, APP, { cookie: bob.cookie, accept: 'application/json' });
        if (r.status !== 403 && r.status < 500 && r.status !== 0) wrong.push(`bob got ${r.status}`);
        return r.status;
      },
    },
    {
      name: 'anonymous',
      count: 2,
      send: async () => {
        const r = await getStatus(port, APP, { accept: 'application/json' });
        if (r.status !== 401 && r.status < 500 && r.status !== 0)
          wrong.push(`anonymous got ${r.status}`);
        return r.status;
      },
    },
  ]);
  try {
    await waitFor('load before the kill', async () => load.outcomes.length >= 30, 60_000);
    killedAt = Date.now();
    await compose(['kill', '-s', 'SIGKILL', 'authorize-1']);
    await waitFor(
      'signed-in requests served after the kill',
      async () => aliceOkAfterKill.n >= 20,
      120_000,
    );
  } finally {
    await load.stop();
  }
  const count = (loop: string, when: (at: number) => boolean) =>
    load.outcomes.filter((o) => o.loop === loop && when(o.at)).length;
  for (const loop of ['alice', 'bob', 'anonymous']) {
    assert.ok(count(loop, (at) => at < killedAt) > 0, `${loop} had requests before the kill`);
    assert.ok(count(loop, (at) => at > killedAt) > 0, `${loop} had requests after the kill`);
  }
  assert.deepEqual(wrong, [], 'every answer is the upstream for alice, or a denial / 5xx');
  assert.equal(await health('authorize-2'), 'healthy');
  await compose(['start', 'authorize-1']);
});

test('a sign-out through the compose stack ends the session for every replica', async () => {
  const { context, page, cookie } = await signIn(ALICE);
  try {
    assert.equal((await getStatus(port, APP, { cookie, accept: 'application/json' })).status, 200);
    await page.goto(`http://${APP}/.pomerium/sign_out`);
    await page.goto(`http://${APP}/`);
    await page.waitForSelector('form#login');
    const statuses = await Promise.all(
      Array.from({ length: 10 }, () =>
        getStatus(port, APP, { cookie, accept: 'application/json' }).then((r) => r.status),
      ),
    );
    assert.deepEqual(
      statuses.filter((s) => s !== 401),
      [],
      'the old cookie is refused',
    );
  } finally {
    await context.close();
  }
});

test('a restart of the proxy container brings Envoy back with it (one network owner)', async () => {
  await compose(['restart', '-t', '5', 'proxy'], 180_000);
  await waitReady();
  const { context, cookie } = await signIn(ALICE);
  await context.close();
  assert.equal((await getStatus(port, APP, { cookie, accept: 'application/json' })).status, 200);
  const logs = await compose(['logs', '--no-color', 'proxy']);
  assert.doesNotMatch(logs, /envoy not found|install .*with pip/i);
});

test('the production image holds only production packages and the runtime rooms, and runs as node', async () => {
  const image = 'portcullis:dev';
  const { stdout: user } = await run('docker', [
    'image',
    'inspect',
    '--format',
    '{{.Config.User}}',
    image,
  ]);
  assert.equal(user.trim(), 'node');
  const script = `const fs=require('fs');const nm='/app/node_modules';const out=[];
for(const n of fs.readdirSync(nm)){if(n.startsWith('.'))continue;
if(n.startsWith('@')){for(const m of fs.readdirSync(nm+'/'+n))out.push(n+'/'+m)}else out.push(n)}
console.log(JSON.stringify({modules:out,dist:fs.readdirSync('/app/dist'),app:fs.readdirSync('/app')}))`;
  const { stdout } = await run('docker', [
    'run',
    '--rm',
    '--entrypoint',
    'node',
    image,
    '-e',
    script,
  ]);
  const inImage = JSON.parse(stdout) as { modules: string[]; dist: string[]; app: string[] };
  assert.deepEqual(inImage.dist.sort(), [...RUNTIME_ROOMS].sort());
  assert.deepEqual(
    inImage.app.sort(),
    ['dist', 'node_modules', 'package-lock.json', 'package.json', 'protos'].sort(),
  );
  // The production tree as npm sees it on the host (the same lockfile).
  const { stdout: ls } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
  });
  const prefix = `${join(root, 'node_modules')}/`;
  const production = new Set(
    ls
      .split('\n')
      .filter((p) => p.startsWith(prefix))
      .map((p) => p.slice(prefix.length))
      .filter((p) => !p.includes('/node_modules/')),
  );
  const extra = inImage.modules.filter((m) => !production.has(m));
  assert.deepEqual(extra, [], 'every package in the image is in `npm ls --omit=dev`');
  assert.ok(inImage.modules.includes('@grpc/grpc-js') && inImage.modules.includes('pg'));
  assert.ok(!inImage.modules.includes('typescript') && !inImage.modules.includes('oidc-provider'));
});

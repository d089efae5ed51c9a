// authn figures: full browser logins per second (sign-in → IdP form → callback → route cookie),
// and authn CPU per login. The dev IdP runs in a child process so its CPU is not counted; the
// in-process figure covers authn plus the scripted browser (node:http client, cookie jar).
import { spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAuthnServer } from '../authn/index.js';
import { parseConfigText } from '../config/index.js';
import { createMemoryStore } from '../databroker/index.js';
import { Browser, readForm } from '../test/helpers/browser.js';
import { buildSignInUrl, deriveKeys } from '../wire/index.js';
import type { BenchResult } from './run.js';

const LOGINS = 120;
const CONCURRENCY = 6;
const AUTH = 'https://auth.example.com';
const APP = 'https://app.example.com';

async function startIdpChild(dir: string): Promise<{ issuer: string; stop: () => void }> {
  const file = join(dir, 'idp.yaml');
  await writeFile(
    file,
    `users:\n  - {username: alice, password: pw, email: alice@example.com, groups: [eng]}\nclients:\n  - client_id: bench\n    client_secret: bench-secret\n    redirect_uris: [${AUTH}/oauth2/callback]\n`,
  );
  const main = join(
    dirname(fileURLToPath(import.meta.url)),
    '..',
    'examples',
    'dev-idp',
    'main.js',
  );
  const child = spawn(process.execPath, [main, '--config', file, '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const issuer = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /issuer (\S+)/.exec(out);
      if (m) resolve(m[1] as string);
    });
    child.once('exit', (code) => reject(new Error(`dev IdP exited with ${code}`)));
  });
  return { issuer, stop: () => child.kill('SIGTERM') };
}

export default async function bench(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-authn-bench-'));
  const idp = await startIdpChild(dir);
  const secret = randomBytes(32).toString('base64');
  const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
  const yaml = `authenticate_service_url: ${AUTH}
shared_secret: ${secret}
signing_key: ${JSON.stringify(pem)}
idp_provider_url: ${idp.issuer}
idp_client_id: bench
idp_client_secret: bench-secret
routes:
  - {from: ${APP}, to: http://127.0.0.1:9, allow_any_authenticated_user: true}
`;
  const { config } = parseConfigText(yaml, { file: 'bench.yaml' });
  const store = createMemoryStore();
  const authn = createAuthnServer({ config, store, refresh: false });
  const { port } = await authn.listen(0, '127.0.0.1');
  const keys = deriveKeys(secret);
  const hosts = { 'auth.example.com': port, 'app.example.com': port };
  const signIn = () =>
    buildSignInUrl({
      authenticateUrl: AUTH,
      redirectUri: `${APP}/`,
      idpId: authn.defaultIdpId,
      key: keys.urlKey,
    });
  const atApp = (u: URL) => u.hostname === 'app.example.com' && u.pathname === '/';

  async function fullLogin(): Promise<Browser> {
    const b = new Browser(hosts);
    const toForm = await b.follow(signIn());
    const page = toForm.at(-1);
    if (page?.status !== 200) throw new Error(`no login form (${page?.status})`);
    const form = readForm(page.body);
    const posted = await b.request('POST', new URL(form.action, page.url).toString(), {
      form: { username: 'alice', password: 'pw' },
    });
    const back = await b.follow(posted.location ?? '', { stop: atApp });
    if (back.at(-1)?.location !== `${APP}/` || !b.jar.get(APP, '_pomerium')) {
      throw new Error('login did not complete');
    }
    return b;
  }

  async function run(
    n: number,
    fn: () => Promise<unknown>,
  ): Promise<{ perSecond: number; cpuMs: number }> {
    let left = n;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (left-- > 0) await fn();
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return { perSecond: n / seconds, cpuMs: (cpu.user + cpu.system) / 1000 / n };
  }

  try {
    await fullLogin(); // warm-up (discovery, JIT)
    const full = await run(LOGINS, fullLogin);
    // a browser with a live authenticate session: sign-in → route callback, no IdP round trip
    const warm = await fullLogin();
    const reuse = await run(LOGINS * 4, async () => {
      const hops = await warm.follow(signIn(), { stop: atApp });
      if (hops.at(-1)?.location !== `${APP}/`) throw new Error('reuse failed');
    });
    const figures = {
      full_logins_per_s: Math.round(full.perSecond),
      full_login_cpu_ms: Number(full.cpuMs.toFixed(2)),
      session_reuse_logins_per_s: Math.round(reuse.perSecond),
      session_reuse_cpu_ms: Number(reuse.cpuMs.toFixed(2)),
    };
    const table = [
      `full login = sign_in → IdP authorize → form POST → callback (code exchange, userinfo,`,
      `  session + user put) → route /.pomerium/callback/; ${LOGINS} logins, ${CONCURRENCY} concurrent;`,
      `  memory databroker; dev IdP in a child process (its CPU not counted).`,
      `cpu_ms = authn + scripted browser CPU per login in this process.`,
    ].join('\n');
    return {
      figures,
      goals: {
        full_logins_per_s: { min: 20 },
        full_login_cpu_ms: { max: 25 },
        session_reuse_logins_per_s: { min: 200 },
        session_reuse_cpu_ms: { max: 5 },
      },
      table,
    };
  } finally {
    await authn.close();
    await store.close();
    idp.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

// A real Keycloak for end-to-end tests, one per test file: `kc.sh start-dev` on a loopback port
// with a private copy of the template H2 database that scripts/setup/keycloak prepared once
// (Quarkus augmentation, schema, master realm and the realm of
// test/fixtures/keycloak/portcullis-realm.json already done), so a start costs seconds, not the
// minutes of a first start. Without the installation the test FAILS saying how to install it.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { repoRoot } from './config-fixtures.js';
import { freePort } from './free-port.js';

export const KEYCLOAK_VERSION = '26.4.7';
export const KEYCLOAK_REALM_FILE = join(
  repoRoot(),
  'test',
  'fixtures',
  'keycloak',
  'portcullis-realm.json',
);
/** The OAuth client and users of the realm file. */
export const KEYCLOAK_CLIENT = {
  id: 'portcullis',
  secret: 'portcullis-keycloak-test-secret',
} as const;
export const KC_ALICE = {
  username: 'alice',
  password: 'alice-pw',
  email: 'alice@example.com',
  groups: ['engineering', 'admins'],
} as const;
export const KC_BOB = {
  username: 'bob',
  password: 'bob-pw',
  email: 'bob@example.com',
  groups: ['sales'],
} as const;

const INSTALL_HINT =
  'run ./scripts/setup/keycloak (or ./scripts/setup-test-env) and source .test-env';

export interface RunningKeycloak {
  readonly port: number;
  /** `http://127.0.0.1:<port>/realms/portcullis` */
  readonly issuer: string;
  /** The most recent log lines. */
  readonly lines: readonly string[];
  stop(): Promise<void>;
}

function keycloakHome(): string {
  return (
    process.env.KEYCLOAK_HOME ??
    join(repoRoot(), '.cache', 'keycloak', `keycloak-${KEYCLOAK_VERSION}`)
  );
}

export async function startKeycloak(
  options: { readonly port?: number; readonly readyTimeoutMs?: number } = {},
): Promise<RunningKeycloak> {
  const home = keycloakHome();
  const kc = join(home, 'bin', 'kc.sh');
  const template = join(dirname(home), 'template-db');
  if (!existsSync(kc)) throw new Error(`Keycloak is required (looked for ${kc}): ${INSTALL_HINT}`);
  const want = createHash('sha256')
    .update(readFileSync(KEYCLOAK_REALM_FILE))
    .digest('hex')
    .slice(0, 16);
  const have = existsSync(join(template, 'realm.sha256'))
    ? readFileSync(join(template, 'realm.sha256'), 'utf8').trim()
    : '';
  if (have !== want) {
    throw new Error(
      `Keycloak's template database is missing or older than ${KEYCLOAK_REALM_FILE}: ${INSTALL_HINT}`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-keycloak-'));
  copyFileSync(join(template, 'keycloakdb.mv.db'), join(dir, 'keycloakdb.mv.db'));
  const port = options.port ?? (await freePort());
  const child: ChildProcess = spawn(
    kc,
    [
      'start-dev',
      '--db=dev-file',
      `--db-url=jdbc:h2:file:${dir}/keycloakdb;NON_KEYWORDS=VALUE`,
      '--http-host=127.0.0.1',
      `--http-port=${port}`,
      '--log-console-output=default',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env } },
  );
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      lines.push(line);
      if (lines.length > 200) lines.shift();
      if (process.env.E2E_LOGS) process.stderr.write(`keycloak: ${line}\n`);
    }
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const stop = async () => {
    if (!gone && child.pid) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 15_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const issuer = `http://127.0.0.1:${port}/realms/portcullis`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 300_000);
  while (Date.now() < deadline && !gone) {
    try {
      const res = await fetch(`${issuer}/.well-known/openid-configuration`);
      if (res.status === 200) {
        // The first login page renders its theme cold (tens of seconds on a busy machine): once
        // here, so no browser waits for it.
        await fetch(
          `${issuer}/protocol/openid-connect/auth?client_id=${KEYCLOAK_CLIENT.id}&response_type=code&scope=openid&redirect_uri=${encodeURIComponent('https://authenticate.localhost:1/oauth2/callback')}`,
        ).catch(() => undefined);
        return { port, issuer, lines, stop };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  await stop();
  throw new Error(
    `Keycloak did not become ready on port ${port}${gone ? ' (it exited)' : ''}:\n${lines.slice(-20).join('\n')}`,
  );
}

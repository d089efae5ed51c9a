// A private, throwaway PostgreSQL server for fault tests (stop/start while clients run), so the
// shared server others use is never stopped. Runs as user `postgres` via runuser (we are root).
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { testEnv } from './postgres.js';

const run = promisify(execFile);

export interface PrivatePostgres {
  readonly url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

export interface PrivatePostgresOptions {
  /** Serve TLS with this certificate and accept only TLS connections (hostssl). */
  readonly tls?: { readonly cert: string; readonly key: string };
}

export async function startPrivatePostgres(
  options: PrivatePostgresOptions = {},
): Promise<PrivatePostgres> {
  const bin = testEnv('PG_BIN');
  const initdb = join(bin, 'initdb');
  if (!existsSync(initdb)) {
    throw new Error(`no initdb at ${initdb}: run ./scripts/setup-test-env (installs PostgreSQL)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-pg-'));
  const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
  chownSync(dir, uid, gid);
  const data = join(dir, 'data');
  const asPostgres = (cmd: string, args: string[]) =>
    run('runuser', ['-u', 'postgres', '--', join(bin, cmd), ...args], { timeout: 60_000 });
  await asPostgres('initdb', [
    '-D',
    data,
    '-A',
    'trust',
    '-U',
    'postgres',
    '--no-sync',
    '-E',
    'UTF8',
  ]);
  const port = await freePort();
  let opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  if (options.tls !== undefined) {
    const files = { 'server.crt': options.tls.cert, 'server.key': options.tls.key };
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(join(data, name), text, { mode: 0o600 });
      chownSync(join(data, name), uid, gid);
    }
    writeFileSync(
      join(data, 'pg_hba.conf'),
      'local all all trust\nhostssl all all 127.0.0.1/32 trust\n',
    );
    opts += ' -c ssl=on';
  }
  const pg: PrivatePostgres = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await asPostgres('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', 'start']);
    },
    async stop() {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    },
    async destroy() {
      await pg.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await pg.start();
  return pg;
}

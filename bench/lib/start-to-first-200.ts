// `portcullis start` timed from spawn to the first 200 of a public route Envoy answers itself
// (all-in-one, memory databroker): the start-time row of `-- cold` and `-- e2e`.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePorts } from '../../test/helpers/free-port.js';
import { PORTCULLIS_ENTRY } from '../../test/helpers/portcullis-entry.js';

/** The CLI under test: the shipped entry, or PORTCULLIS_CLI (another build's entry file). */
export const CLI = process.env.PORTCULLIS_CLI ?? PORTCULLIS_ENTRY;

/** Status of `GET /` with `host` on 127.0.0.1:port; 0 when nothing answers. */
export function httpStatus(port: number, host: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/', headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** An all-in-one config: a public answer and a protected route. */
async function startConfig(dir: string) {
  const [port, grpcPort] = (await freePorts(2)) as [number, number];
  const file = join(dir, `start-${port}.yaml`);
  await writeFile(
    file,
    [
      'insecure_server: true',
      `address: 127.0.0.1:${port}`,
      `grpc_address: 127.0.0.1:${grpcPort}`,
      'grpc_insecure: true',
      `authenticate_service_url: http://authenticate.localhost:${port}`,
      'idp_provider: oidc',
      'idp_provider_url: http://127.0.0.1:9/',
      'idp_client_id: bench',
      'idp_client_secret: bench',
      `shared_secret: ${randomBytes(32).toString('base64')}`,
      `cookie_secret: ${randomBytes(32).toString('base64')}`,
      'services: all',
      'databroker_storage_type: memory',
      'log_level: error',
      'routes:',
      `  - from: http://public.localhost:${port}`,
      '    response: {status: 200, body: ok}',
      '    allow_public_unauthenticated_access: true',
      `  - from: http://private.localhost:${port}`,
      '    response: {status: 200, body: ok}',
      '    allow_any_authenticated_user: true',
    ].join('\n'),
  );
  return { file, port };
}

async function waitFor200(child: ChildProcess, port: number, host: string, t0: number) {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`portcullis start exited with ${child.exitCode}`);
    if ((await httpStatus(port, host)) === 200) return performance.now() - t0;
    if (performance.now() - t0 > 120_000) throw new Error('portcullis start: no 200 in 120 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** RssAnon of a live process, MB (Linux). */
function rssAnonMb(pid: number): number {
  const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/**
 * ms from spawning `portcullis start` until its public route answers 200. With `phases`, each
 * start-up phase the process marks (cli/lib/start-phases.ts: ms since its start) is pushed
 * there, and `first_200` (ms since spawn) with them, and the process's RssAnon then (MB) under
 * `rss_anon_mb_at_first_200`. `cli` is the entry file to run.
 */
export async function startToFirst200(
  dir: string,
  phases?: Record<string, number[]>,
  cli: string = CLI,
): Promise<number> {
  const { file, port } = await startConfig(dir);
  const t0 = performance.now();
  const child = spawn(process.execPath, [cli, 'start', '-c', file], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, PORTCULLIS_START_PHASES: '1' },
  });
  let rest = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) {
      const m = /^portcullis-phase (\S+) ([\d.]+)$/.exec(line);
      if (m === null) process.stderr.write(`${line}\n`);
      else if (phases) phases[m[1]!] = [...(phases[m[1]!] ?? []), Number(m[2])];
    }
  });
  try {
    const ms = await waitFor200(child, port, `public.localhost:${port}`, t0);
    if (phases) {
      phases.first_200 = [...(phases.first_200 ?? []), ms];
      const anon = rssAnonMb(child.pid ?? 0);
      phases.rss_anon_mb_at_first_200 = [...(phases.rss_anon_mb_at_first_200 ?? []), anon];
    }
    return ms;
  } finally {
    await stop(child);
  }
}

// The cold path (issue 19): `portcullis validate` of 1,000, 5,000 and 20,000 routes (wall and
// CPU of the process, and how CPU grows with routes), start to first 200 of `portcullis start`
// (all-in-one), and the memory a process keeps for 10,000 routes once every service is prepared. `PORTCULLIS_CLI=path/to/dist/cli/main.js` measures another build
// (e.g. the commit before a change) with the same bench.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { generateRoutesConfig } from '../examples/generate-routes.js';
import { freePorts } from '../test/helpers/free-port.js';
import type { BenchResult } from './run.js';

const exec = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const CLI = process.env.PORTCULLIS_CLI ?? join(here, '..', 'cli', 'main.js');
const TICK_MS = 10; // USER_HZ 100

/** CPU ms of this process's reaped children so far (cutime + cstime, Linux). */
function childrenCpuMs(): number {
  const text = readFileSync('/proc/self/stat', 'utf8');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(f[13]) + Number(f[14])) * TICK_MS;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** `portcullis validate` of `routes` generated routes: median wall and CPU ms of the process. */
async function validate(dir: string, routes: number, runs: number) {
  const file = join(dir, `routes-${routes}.yaml`);
  await writeFile(
    file,
    `${generateRoutesConfig(routes)}\nidp_provider_url: https://idp.example.com\nidp_client_id: bench\nidp_client_secret: bench\n`,
  );
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = childrenCpuMs();
    const t0 = performance.now();
    await exec(process.execPath, [CLI, 'validate', '-c', file], { maxBuffer: 64 << 20 });
    wall.push(performance.now() - t0);
    cpu.push(childrenCpuMs() - c0);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

function httpStatus(port: number, host: string): Promise<number> {
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

/** ms from spawning `portcullis start` until its public route answers 200. */
async function startToFirst200(dir: string): Promise<number> {
  const { file, port } = await startConfig(dir);
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, 'start', '-c', file], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    return await waitFor200(child, port, `public.localhost:${port}`, t0);
  } finally {
    await stop(child);
  }
}

/**
 * What a running Portcullis keeps for a config of 10,000 routes: a child process loads it,
 * prepares every service (authz state with compiled policies, the Envoy snapshot built, checked
 * and encoded) and holds the results; RssAnon and the V8 heap after a full collection, MB.
 */
async function memory10k(dir: string): Promise<{ anon: number; heap: number }> {
  const file = join(dir, 'routes-10000.yaml');
  await writeFile(
    file,
    `${generateRoutesConfig(10_000)}\nidp_provider_url: https://idp.example.com\nidp_client_id: bench\nidp_client_secret: bench\n`,
  );
  const dist = join(dirname(CLI), '..');
  const script = `
    const { loadConfigFile } = await import(${JSON.stringify(join(dist, 'config', 'index.js'))});
    const { prepareForValidate } = await import(${JSON.stringify(join(dist, 'cli', 'lib', 'validate-preparers.js'))});
    const { readFileSync } = await import('node:fs');
    const loaded = await loadConfigFile(${JSON.stringify(file)});
    const prepared = prepareForValidate(loaded);
    if (!prepared.ok) throw new Error('not valid');
    globalThis.kept = [loaded, prepared];
    for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 50)); }
    const anon = Number(/RssAnon:\\s+(\\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
    process.stdout.write(JSON.stringify({ anon, heap: process.memoryUsage().heapUsed / 2 ** 20 }));
  `;
  const { stdout } = await exec(
    process.execPath,
    ['--expose-gc', '--input-type=module', '-e', script],
    { maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout) as { anon: number; heap: number };
}

export default async function bench(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-cold-bench-'));
  try {
    const v1 = await validate(dir, 1_000, 3);
    const v5 = await validate(dir, 5_000, 3);
    const v20 = await validate(dir, 20_000, 3);
    const starts: number[] = [];
    for (let i = 0; i < 5; i++) starts.push(await startToFirst200(dir));
    const mem = await memory10k(dir);
    const figures = {
      validate_1k_ms: Math.round(v1.wall),
      validate_5k_ms: Math.round(v5.wall),
      validate_20k_ms: Math.round(v20.wall),
      validate_1k_cpu_ms: Math.round(v1.cpu),
      validate_5k_cpu_ms: Math.round(v5.cpu),
      validate_20k_cpu_ms: Math.round(v20.cpu),
      // linear in routes: 4× the routes costs 4× the CPU (the fixed start-up cost makes it less)
      validate_20k_vs_5k_cpu: v20.cpu / v5.cpu,
      start_to_first_200_ms: Math.round(median(starts)),
      node_anon_mb_10k_routes_prepared: Math.round(mem.anon),
      node_heap_mb_10k_routes_prepared: Math.round(mem.heap),
    };
    const table = [
      `CLI: ${CLI}`,
      '| routes | validate wall ms | validate CPU ms | CPU ms per 1k routes |',
      '| --- | --- | --- | --- |',
      ...(
        [
          [1_000, v1],
          [5_000, v5],
          [20_000, v20],
        ] as const
      ).map(
        ([n, r]) =>
          `| ${n} | ${Math.round(r.wall)} | ${Math.round(r.cpu)} | ${Math.round(r.cpu / (n / 1000))} |`,
      ),
      `start to first 200 (all-in-one, median of 5): ${figures.start_to_first_200_ms} ms (${starts.map((x) => Math.round(x)).join(', ')})`,
      `10,000 routes loaded and every service prepared: RssAnon ${figures.node_anon_mb_10k_routes_prepared} MB, V8 heap ${figures.node_heap_mb_10k_routes_prepared} MB`,
    ].join('\n');
    return {
      figures,
      goals: {
        validate_20k_ms: { max: 2000 },
        validate_20k_vs_5k_cpu: { max: 4.4 },
        start_to_first_200_ms: { max: 300 },
        node_anon_mb_10k_routes_prepared: { max: 100 },
      },
      table,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

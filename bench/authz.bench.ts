// authz figures: Check throughput and p50/p99 of the real server (20-criterion policy, cached
// session, identity headers, pino logging) on one core against a no-op Check server on the same
// gRPC stack, driven by the same Node load generator in its own process (pinned to the other
// core when `taskset` is available); p99 at 1,000 Checks/s; latency at 10,000 vs 10 routes.
//
// The same file is the child processes: `node authz.bench.js server noop|authz ROUTES` and
// `node authz.bench.js load` (both talk to the parent over IPC).
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { argv, execPath } from 'node:process';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { pino } from 'pino';
import { createAuthzServer } from '../authz/index.js';
import { serviceDefinitions } from '../authz/lib/grpc-services.js';
import {
  computeIdpId,
  deriveKeys,
  generateSigningKeyPem,
  parseConfigText,
  signSessionHandle,
} from '../config/index.js';
import { createMemoryStore } from '../databroker/index.js';
import { loadGrpcObject, serviceProtoFiles } from '../protos/index.js';
import type { BenchResult } from './run.js';

const SELF = fileURLToPath(import.meta.url);
const WARMUP_MS = 1500;
const PHASE_MS = 3000;
const CONCURRENCY = 64;
const RATE = 1000;

// ---------------------------------------------------------------- the 20-criterion policy
const POLICY = `
    policy:
      allow:
        and:
          - authenticated_user: true
          - email: {is: bench@example.com}
          - email: {ends_with: "@example.com"}
          - domain: {is: example.com}
          - user: {is: bench-user}
          - groups: {has: eng}
          - groups: {has: bench}
          - groups: {exclude: banned}
          - claim/department: engineering
          - claim/roles: admin
          - http_method: {in: [GET, HEAD]}
          - http_path: {starts_with: /api/}
          - http_path: {not: /api/admin}
          - source_ip: [10.0.0.0/8]
          - email: {not: mallory@example.com}
          - domain: {not: evil.test}
          - user: {not: root}
          - claim/roles: {exclude: suspended}
          - http_method: {not: DELETE}
          - http_path: {contains: /items}`;

function configYaml(routes: number, secret: string): string {
  const pem = generateSigningKeyPem()
    .trim()
    .split('\n')
    .map((l) => `  ${l}`);
  const out = [
    'authenticate_service_url: https://auth.example.com',
    `shared_secret: ${secret}`,
    'signing_key: |',
    ...pem,
    'jwt_claims_headers: [email, groups, department]',
    'pass_identity_headers: true',
    'routes:',
  ];
  for (let i = 0; i < routes; i++) {
    out.push(
      `  - id: r${i}`,
      `    from: https://app-${i}.example.com`,
      '    to: http://up.internal',
    );
    out.push(POLICY);
  }
  return out.join('\n');
}

// ---------------------------------------------------------------- server child
/** The config, store (with the bench session) and session token of the authz server. */
export async function authzParts(routes: number, secret: string) {
  const loaded = parseConfigText(configYaml(routes, secret), { file: 'bench.yaml', env: {} });
  const store = createMemoryStore();
  const t = Date.now();
  await store.put([
    {
      type: 'user',
      id: 'bench-user',
      data: { id: 'bench-user', email: 'bench@example.com', name: 'Bench', claims: {} },
    },
    {
      type: 'session',
      id: 'bench-session',
      data: {
        id: 'bench-session',
        user_id: 'bench-user',
        idp_id: computeIdpId(loaded.config),
        issued_at: t,
        accessed_at: t,
        expires_at: t + 3_600_000,
        oauth_token: null,
        id_token: null,
        claims: {
          email: ['bench@example.com'],
          department: ['engineering'],
          roles: ['admin', 'dev'],
        },
        audience: [],
        groups: ['eng', 'bench'],
      },
    },
  ]);
  const token = signSessionHandle(
    {
      iss: 'auth.example.com',
      sub: 'bench-user',
      aud: [],
      iat: Math.floor(t / 1000),
      exp: Math.floor(t / 1000) + 3600,
      jti: 'bench-session',
      idp_id: computeIdpId(loaded.config),
    },
    deriveKeys(secret).sessionKey,
  );
  return { loaded, store, token };
}

async function serverChild(mode: string, routes: number): Promise<void> {
  const secret = randomBytes(32).toString('base64');
  const server = new grpc.Server();
  let token = '';
  if (mode === 'noop') {
    server.addService(serviceDefinitions().authorization, {
      check: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
        cb(null, { status: { code: 0, message: '' }, ok_response: { headers: [] } }),
    });
  } else {
    const parts = await authzParts(routes, secret);
    token = parts.token;
    const { loaded, store } = parts;
    const logger = pino(pino.destination({ dest: '/dev/null', sync: false }));
    const authz = createAuthzServer({ loaded, store, logger });
    authz.addTo(server);
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  process.send?.({ port, token });
}

// ---------------------------------------------------------------- load generator child
interface LoadJob {
  readonly port: number;
  readonly token: string;
  readonly routes: number;
  /** 0 = closed loop at CONCURRENCY; else open loop at this rate per second. */
  readonly rate: number;
  readonly ms: number;
}

interface LoadResult {
  readonly count: number;
  readonly errors: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
}

function request(i: number, token: string): object {
  const host = `app-${i}.example.com`;
  return {
    attributes: {
      source: { address: { socket_address: { address: '10.1.2.3', port_value: 40000 } } },
      request: {
        http: {
          id: randomUUID(),
          method: 'GET',
          host,
          path: '/api/items?page=2',
          headers: {
            ':authority': host,
            ':method': 'GET',
            ':path': '/api/items?page=2',
            accept: 'application/json',
            cookie: `_pomerium=${token}; theme=dark`,
            'user-agent': 'bench/1.0',
          },
        },
      },
      context_extensions: { internal: 'false', route_id: `r${i}` },
    },
  };
}

function pct(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function runLoad(job: LoadJob): Promise<LoadResult> {
  const root = loadGrpcObject([serviceProtoFiles.extAuthz]) as unknown as Record<
    string,
    // biome-ignore lint/suspicious/noExplicitAny: untyped proto tree
    any
  >;
  const Ctor = root.envoy.service.auth.v3.Authorization as grpc.ServiceClientConstructor;
  const clients = Array.from(
    { length: 4 },
    (_, i) =>
      new Ctor(`127.0.0.1:${job.port}`, grpc.credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
        'grpc.channel_id': i,
      }) as unknown as grpc.Client & {
        check(
          r: object,
          cb: (e: grpc.ServiceError | null, res: { status?: { code?: number } }) => void,
        ): void;
      },
  );
  const reqs = Array.from({ length: Math.max(1, job.routes) }, (_, i) => request(i, job.token));
  const lat: number[] = [];
  let errors = 0;
  let n = 0;
  let measuring = false;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const i = n++;
      const t0 = performance.now();
      clients[i % clients.length]!.check(reqs[i % reqs.length]!, (err, res) => {
        if (measuring) {
          lat.push(performance.now() - t0);
          if (err || res.status?.code !== 0) errors++;
        }
        resolve();
      });
    });
  const phase = async (ms: number): Promise<void> => {
    const until = performance.now() + ms;
    if (job.rate === 0) {
      const worker = async (): Promise<void> => {
        while (performance.now() < until) await one();
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      return;
    }
    const start = performance.now();
    let sent = 0;
    const pending: Promise<void>[] = [];
    await new Promise<void>((resolve) => {
      const tick = setInterval(() => {
        const t = performance.now();
        const due = Math.floor(((t - start) / 1000) * job.rate);
        while (sent < due) {
          pending.push(one());
          sent++;
        }
        if (t >= until) {
          clearInterval(tick);
          resolve();
        }
      }, 1);
    });
    await Promise.all(pending);
  };
  // Warm up over every route (fills the assertion cache per audience), then measure.
  for (let i = 0; i < reqs.length; i += CONCURRENCY) {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, reqs.length - i) }, one));
  }
  await phase(WARMUP_MS);
  measuring = true;
  const t0 = performance.now();
  await phase(job.ms);
  const seconds = (performance.now() - t0) / 1000;
  for (const c of clients) c.close();
  const sorted = Float64Array.from(lat).sort();
  return { count: lat.length, errors, seconds, p50: pct(sorted, 50), p99: pct(sorted, 99) };
}

// ---------------------------------------------------------------- parent
const pinnable = existsSync('/usr/bin/taskset');

function child(args: string[], core: number): ChildProcess {
  const cmd = pinnable ? '/usr/bin/taskset' : execPath;
  const full = pinnable ? ['-c', String(core), execPath, SELF, ...args] : [SELF, ...args];
  return spawn(cmd, full, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function message<T>(c: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    c.once('message', (m) => resolve(m as T));
    c.once('exit', (code) => reject(new Error(`bench child exited with ${code}`)));
  });
}

async function startServer(mode: 'noop' | 'authz', routes: number) {
  const c = child(['server', mode, String(routes)], 0);
  const { port, token } = await message<{ port: number; token: string }>(c);
  return { port, token, stop: () => c.kill() };
}

async function load(job: LoadJob): Promise<LoadResult> {
  const c = child(['load'], 1);
  c.send(job);
  const result = await message<LoadResult>(c);
  c.kill();
  if (result.errors > 0) throw new Error(`${result.errors} Checks were not OK`);
  return result;
}

const run = async (): Promise<BenchResult> => {
  const noop = await startServer('noop', 0);
  const noopMax = await load({ port: noop.port, token: '', routes: 10_000, rate: 0, ms: PHASE_MS });
  const noopRate = await load({
    port: noop.port,
    token: '',
    routes: 10_000,
    rate: RATE,
    ms: PHASE_MS,
  });
  noop.stop();

  const big = await startServer('authz', 10_000);
  const bigMax = await load({
    port: big.port,
    token: big.token,
    routes: 10_000,
    rate: 0,
    ms: PHASE_MS,
  });
  const bigRate = await load({
    port: big.port,
    token: big.token,
    routes: 10_000,
    rate: RATE,
    ms: PHASE_MS,
  });
  big.stop();

  const small = await startServer('authz', 10);
  const smallRate = await load({
    port: small.port,
    token: small.token,
    routes: 10,
    rate: RATE,
    ms: PHASE_MS,
  });
  small.stop();

  const tput = (r: LoadResult) => r.count / r.seconds;
  const figures = {
    noop_checks_per_s: Math.round(tput(noopMax)),
    authz_checks_per_s: Math.round(tput(bigMax)),
    throughput_ratio_vs_noop: tput(bigMax) / tput(noopMax),
    noop_max_p50_ms: noopMax.p50,
    noop_max_p99_ms: noopMax.p99,
    authz_max_p50_ms: bigMax.p50,
    authz_max_p99_ms: bigMax.p99,
    noop_1000_per_s_p50_ms: noopRate.p50,
    noop_1000_per_s_p99_ms: noopRate.p99,
    authz_1000_per_s_p50_ms: bigRate.p50,
    authz_1000_per_s_p99_ms: bigRate.p99,
    authz_10_routes_1000_per_s_p50_ms: smallRate.p50,
    latency_ratio_10000_vs_10_routes: bigRate.p50 / smallRate.p50,
  };
  const row = (name: string, r: LoadResult) =>
    `${name.padEnd(44)} ${String(Math.round(tput(r))).padStart(8)} ${r.p50.toFixed(3).padStart(8)} ${r.p99.toFixed(3).padStart(8)}`;
  const table = [
    `one server core${pinnable ? ' (taskset -c 0; generator on core 1)' : ' (taskset missing: not pinned)'}, ${CONCURRENCY} in flight for max, ${PHASE_MS / 1000} s per phase`,
    `${'server / load'.padEnd(44)} ${'checks/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)}`,
    row('no-op Check, max', noopMax),
    row('authz 10,000 routes, 20 criteria, max', bigMax),
    row('no-op Check, 1,000/s', noopRate),
    row('authz 10,000 routes, 1,000/s', bigRate),
    row('authz 10 routes, 1,000/s', smallRate),
  ].join('\n');
  return {
    figures,
    goals: {
      throughput_ratio_vs_noop: { min: 0.75 },
      authz_1000_per_s_p99_ms: { max: 2 },
      latency_ratio_10000_vs_10_routes: { max: 1.1 },
    },
    table,
  };
};

export default run;

if (argv[1] === SELF && argv[2] === 'server') {
  await serverChild(argv[3] ?? 'noop', Number(argv[4] ?? 10));
} else if (argv[1] === SELF && argv[2] === 'load') {
  process.once('message', (job) => {
    runLoad(job as LoadJob).then(
      (r) => process.send?.(r),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}

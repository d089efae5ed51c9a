// authz figures: Check throughput and p50/p99 of the real server (20-criterion policy, cached
// session, identity headers, pino logging) on one core against a no-op Check server on the same
// gRPC stack, driven by the same Node load generator in its own process (pinned to the other
// core when `taskset` is available); p99 at 1,000 Checks/s; latency at 10,000 vs 10 routes.
//
// The same file is the child processes: `node authz.bench.js server noop|authz ROUTES` and
// `node authz.bench.js load` (both talk to the parent over IPC).
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { argv, execPath } from 'node:process';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { exportJWK, SignJWT } from 'jose';
import { pino } from 'pino';
import { serviceDefinitions } from '../authz/grpc/grpc-services.js';
import { createAuthzServer } from '../authz/index.js';
import {
  authenticateCheckStreams,
  authenticateGrpcCallers,
} from '../cli/lib/authenticate-grpc-callers.js';
import { createLogger } from '../cli/lib/create-logger.js';
import { createGrpcServerCredentials } from '../cli/lib/grpc-server-credentials.js';
import { applyHeapGrowing } from '../cli/lib/heap-growing.js';
import { createGrpcServer } from '../cli/lib/start-grpc-server.js';
import { parseConfigText } from '../config/index.js';
import { createMemoryStore } from '../databroker/index.js';
import { issueCertificate, issueCertificateAuthority } from '../envoy/index.js';
import { checkClient } from '../test/helpers/check-client.js';
import {
  computeIdpId,
  deriveKeys,
  generateSigningKeyPem,
  signGrpcServiceToken,
  signSessionHandle,
} from '../wire/index.js';
import {
  assertAllowed,
  bodyRequest,
  grpcBody,
  H2LOAD,
  type H2loadResult,
  h2load,
} from './lib/authz-h2load.js';
import { benchCheckRequest } from './lib/check-request.js';
import { PRODUCTION_NODE } from './lib/production-node.js';
import { withTracingRows } from './lib/tracing-rows.js';
import type { BenchResult } from './run.js';

const SELF = fileURLToPath(import.meta.url);
const WARMUP_MS = 1500;
const PHASE_MS = 2000;
const CONCURRENCY = 64;
const RATE = 1000;
/** The total rate of the authz-workers rows (h2load; below one lean server's saturation). */
const WORKERS_RATE = 4000;

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

function configYaml(routes: number, secret: string, extra: readonly string[] = []): string {
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
    ...extra,
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

/**
 * The Bearer row's IdP: discovery and JWKS on loopback, and one JWT access token for the bench
 * user carrying the claims the 20-criterion policy reads (docs/machine-access.md).
 */
async function bearerParts(routes: number, secret: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256', use: 'sig' };
  let issuer = '';
  const http = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        req.url === '/jwks' ? { keys: [jwk] } : { issuer, jwks_uri: `${issuer}/jwks` },
      ),
    );
  });
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const loaded = parseConfigText(
    configYaml(routes, secret, [
      `idp_provider_url: ${issuer}`,
      'idp_client_id: bench-client',
      'idp_client_secret: bench-secret',
      'bearer_token_format: idp_access_token',
      'idp_access_token_allowed_audiences: [https://api.bench.example.com]',
    ]),
    { file: 'bench.yaml', env: {} },
  );
  const token = await new SignJWT({
    email: 'bench@example.com',
    email_verified: true,
    department: 'engineering',
    roles: ['admin', 'dev'],
    groups: ['eng', 'bench'],
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'bench', typ: 'at+jwt' })
    .setIssuer(issuer)
    .setSubject('bench-user')
    .setAudience('https://api.bench.example.com')
    .setIssuedAt()
    .setExpirationTime('2h')
    .sign(privateKey);
  return { loaded, store: createMemoryStore(), token: `bearer:${token}` };
}

async function serverChild(fullMode: string, routes: number): Promise<void> {
  const secret = randomBytes(32).toString('base64');
  // `-lean`: Check on the lean node:http2 transport (authz/grpc/lean-check.ts) on the same port.
  const lean = fullMode.endsWith('-lean');
  const mode = lean ? fullMode.slice(0, -'-lean'.length) : fullMode;
  // `tls`: the authz server as `portcullis start` serves it over TLS — the same server
  // credentials and caller authentication (here a service JWT, what h2load can send).
  const tls = mode === 'tls';
  // Refusals are counted: the TLS row must measure allowed Checks, not cheap UNAUTHENTICATED.
  let refused = 0;
  const refusalLogger = pino(
    { level: 'warn' },
    {
      write: () => {
        refused++;
      },
    },
  );
  const server = tls
    ? createGrpcServer([
        authenticateGrpcCallers({ jwtKey: deriveKeys(secret).grpcKey, logger: refusalLogger }),
      ])
    : new grpc.Server();
  let authzServer: ReturnType<typeof createAuthzServer> | undefined;
  let token = '';
  if (mode === 'noop') {
    server.addService(serviceDefinitions().authorization, {
      check: (_call: unknown, cb: grpc.sendUnaryData<unknown>) =>
        cb(null, { status: { code: 0, message: '' }, ok_response: { headers: [] } }),
    });
  } else {
    const parts =
      mode === 'bearer' ? await bearerParts(routes, secret) : await authzParts(routes, secret);
    token = parts.token;
    const { loaded, store } = parts;
    // The logger exactly as `portcullis start` makes it (JSON to stdout, async batched writes).
    const logger = createLogger({ level: 'info', pretty: false });
    const authz = createAuthzServer({ loaded, store, logger });
    authz.addTo(server);
    authzServer = authz;
  }
  let credentials = grpc.ServerCredentials.createInsecure();
  let jwt = '';
  let caPem = '';
  if (tls) {
    const ca = issueCertificateAuthority('bench CA');
    const cert = issueCertificate(ca, {
      commonName: 'localhost',
      hosts: ['localhost', '127.0.0.1'],
      usage: 'server',
    });
    credentials = createGrpcServerCredentials({
      serverPairs: [cert],
      clientCas: [ca.cert],
    }).credentials;
    jwt = signGrpcServiceToken(deriveKeys(secret).grpcKey, { lifetimeMs: 3_600_000 });
    caPem = ca.cert;
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', credentials, (e, p) => (e ? reject(e) : resolve(p))),
  );
  if (lean && authzServer) {
    const routed = authzServer.routeChecks(
      server,
      tls
        ? authenticateCheckStreams({ jwtKey: deriveKeys(secret).grpcKey, logger: refusalLogger })
        : undefined,
    );
    if (routed === 0) throw new Error('the lean Check transport could not be routed');
  }
  // As `portcullis start` once ready (cli/lib/heap-growing.ts), the no-op server too.
  applyHeapGrowing();
  // Tails (issue 19): event-loop delay and GC pauses since the last 'tails' message.
  const eld = monitorEventLoopDelay({ resolution: 1 });
  eld.enable();
  const gc = { count: 0, ms: 0, maxMs: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gc.count++;
      gc.ms += e.duration;
      gc.maxMs = Math.max(gc.maxMs, e.duration);
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('message', (m) => {
    if (m === 'tails') {
      process.send?.({
        eldP50Ms: eld.percentile(50) / 1e6,
        eldP99Ms: eld.percentile(99) / 1e6,
        eldMaxMs: eld.max / 1e6,
        gcCount: gc.count,
        gcMs: gc.ms,
        gcMaxMs: gc.maxMs,
      } satisfies Tails);
      eld.reset();
      gc.count = 0;
      gc.ms = 0;
      gc.maxMs = 0;
    }
    if (m === 'refused') process.send?.({ refused });
    // A clean exit, so that `--cpu-prof` (BENCH_SERVER_NODE_FLAGS) writes its profile.
    if (m === 'exit') process.exit(0);
    if (m === 'cpu') {
      const u = process.cpuUsage();
      process.send?.({ cpuUs: u.user + u.system, heapMb: process.memoryUsage().heapUsed / 1e6 });
    }
  });
  process.send?.({ port, token, jwt, ca: caPem });
}

/** Event-loop delay and GC pauses of a server over one phase (issue 19 "Tails"). */
interface Tails {
  readonly eldP50Ms: number;
  readonly eldP99Ms: number;
  readonly eldMaxMs: number;
  readonly gcCount: number;
  readonly gcMs: number;
  readonly gcMaxMs: number;
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
  /** Checks started before measuring began (warm-up). */
  readonly warmupChecks?: number;
  readonly count: number;
  readonly errors: number;
  readonly seconds: number;
  readonly p50: number;
  readonly p99: number;
}

function pct(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function runLoad(job: LoadJob): Promise<LoadResult> {
  const clients = Array.from({ length: 4 }, (_, i) =>
    checkClient(`127.0.0.1:${job.port}`, undefined, {
      'grpc.use_local_subchannel_pool': 1,
      'grpc.channel_id': i,
    }),
  );
  const reqs = Array.from({ length: Math.max(1, job.routes) }, (_, i) =>
    benchCheckRequest(i, job.token),
  );
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
  return {
    count: lat.length,
    errors,
    seconds,
    p50: pct(sorted, 50),
    p99: pct(sorted, 99),
    warmupChecks: n - lat.length,
  };
}

// ---------------------------------------------------------------- parent
const pinnable = existsSync('/usr/bin/taskset');

/**
 * V8 flags of every server child (no-op and authz alike): the image's (lib/signed-in-stack.ts
 * PRODUCTION_NODE; README § Production tuning), or PORTCULLIS_BENCH_SEMI_SPACE_MB=16 to measure
 * another semi-space (docs/performance.md "Memory").
 */
export const SERVER_NODE_FLAGS = process.env.PORTCULLIS_BENCH_SEMI_SPACE_MB
  ? [`--max-semi-space-size=${process.env.PORTCULLIS_BENCH_SEMI_SPACE_MB}`]
  : [...PRODUCTION_NODE.execArgv];

function child(args: string[], core: number, server = false): ChildProcess {
  const node = [...(server ? SERVER_NODE_FLAGS : []), SELF, ...args];
  const cmd = pinnable ? '/usr/bin/taskset' : execPath;
  const full = pinnable ? ['-c', String(core), execPath, ...node] : node;
  // A server's stdout (its log lines) goes to /dev/null; errors still reach stderr.
  return spawn(cmd, full, { stdio: ['ignore', server ? 'ignore' : 'inherit', 'inherit', 'ipc'] });
}

function message<T>(c: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`bench child exited with ${code}`));
    c.once('exit', onExit);
    c.once('message', (m) => {
      c.off('exit', onExit);
      resolve(m as T);
    });
  });
}

interface Server {
  readonly port: number;
  readonly token: string;
  /** tls mode: the service JWT callers send, and the CA of the server's certificate. */
  readonly jwt: string;
  readonly ca: string;
  cpu(): Promise<number>;
  /** tls mode: calls refused as unauthenticated so far. */
  refused(): Promise<number>;
  /** Event-loop delay and GC since the last call. */
  tails(): Promise<Tails>;
  stop(): void;
}

async function startServer(
  mode: 'noop' | 'authz' | 'tls' | 'bearer' | 'authz-lean' | 'tls-lean',
  routes: number,
  core = 0,
): Promise<Server> {
  const c = child(['server', mode, String(routes)], core, true);
  const { port, token, jwt, ca } = await message<{
    port: number;
    token: string;
    jwt: string;
    ca: string;
  }>(c);
  return {
    port,
    token,
    jwt,
    ca,
    cpu: () => {
      c.send('cpu');
      return message<{ cpuUs: number }>(c).then((m) => m.cpuUs);
    },
    refused: () => {
      c.send('refused');
      return message<{ refused: number }>(c).then((m) => m.refused);
    },
    tails: () => {
      c.send('tails');
      return message<Tails>(c);
    },
    stop: () => c.kill(),
  };
}

interface Measured extends LoadResult {
  /** Server CPU time per Check (user + system), µs. */
  readonly cpuUsPerCheck: number;
  readonly tails: Tails;
}

async function load(server: Server, routes: number, rate: number): Promise<Measured> {
  const c = child(['load'], 1);
  const cpu0 = await server.cpu();
  await server.tails();
  c.send({ port: server.port, token: server.token, routes, rate, ms: PHASE_MS } satisfies LoadJob);
  const result = await message<LoadResult & { warmupChecks: number }>(c);
  const cpu1 = await server.cpu();
  const tails = await server.tails();
  c.kill();
  if (result.errors > 0) throw new Error(`${result.errors} Checks were not OK`);
  return {
    ...result,
    cpuUsPerCheck: (cpu1 - cpu0) / (result.count + result.warmupChecks),
    tails,
  };
}

function median<T>(xs: readonly T[], by: (x: T) => number): T {
  const sorted = [...xs].sort((a, b) => by(a) - by(b));
  return sorted[Math.floor(sorted.length / 2)] as T;
}

const ROUNDS = 3;

const run = async (): Promise<BenchResult> => {
  const noop = await startServer('noop', 0);
  const big = await startServer('authz', 10_000);
  const bigTls = await startServer('tls', 10_000);
  const lean = await startServer('authz-lean', 10_000);
  const leanTls = await startServer('tls-lean', 10_000);
  const small = await startServer('authz', 10);
  const bearer = await startServer('bearer', 10);
  // The second of two authz workers (docs/performance.md "Authz workers"): the same lean server
  // as `lean`, in its own process on the other core.
  const lean2 = await startServer('authz-lean', 10_000, 1);
  const tput = (r: LoadResult) => r.count / r.seconds;
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-authz-bench-'));
  const hasH2load = existsSync(H2LOAD);
  // The very same request bytes for both servers.
  const bigBody = grpcBody(dir, 'plain', 5000, big.token);
  const tlsBody = grpcBody(dir, 'tls', 5000, bigTls.token);
  const noopBody = bigBody;
  const leanBody = grpcBody(dir, 'lean', 5000, lean.token);
  const leanTlsBody = grpcBody(dir, 'lean-tls', 5000, leanTls.token);
  const lean2Body = grpcBody(dir, 'lean-2', 5000, lean2.token);
  const cookieBody = grpcBody(dir, 'cookie', 5, small.token);
  const bearerBody = grpcBody(dir, 'bearer', 5, bearer.token);
  // The very bytes h2load sends each server must be allowed there.
  await assertAllowed(big.port, bodyRequest(bigBody));
  await assertAllowed(bigTls.port, bodyRequest(tlsBody), { jwt: bigTls.jwt, ca: bigTls.ca });
  await assertAllowed(bearer.port, benchCheckRequest(5, bearer.token));
  await assertAllowed(lean.port, bodyRequest(leanBody));
  await assertAllowed(lean2.port, bodyRequest(lean2Body));
  await assertAllowed(small.port, bodyRequest(cookieBody));
  await assertAllowed(bearer.port, bodyRequest(bearerBody));
  await assertAllowed(leanTls.port, bodyRequest(leanTlsBody), { jwt: leanTls.jwt, ca: leanTls.ca });
  const h2 = {
    noop: [] as H2loadResult[],
    big: [] as H2loadResult[],
    tls: [] as H2loadResult[],
    lean: [] as H2loadResult[],
    leanTls: [] as H2loadResult[],
    cookie: [] as H2loadResult[],
    bearer: [] as H2loadResult[],
    /** One lean worker at WORKERS_RATE Checks/s, and at half of it (what each of two gets). */
    oneWorker: [] as H2loadResult[],
    oneWorkerHalf: [] as H2loadResult[],
    /** CPU µs per Check of two lean workers at half that rate each (both processes' CPU / all Checks). */
    twoWorkersCpu: [] as number[],
  };
  const runs = {
    noopMax: [] as Measured[],
    bigMax: [] as Measured[],
    noopRate: [] as Measured[],
    bigRate: [] as Measured[],
    smallRate: [] as Measured[],
    cookieMax: [] as Measured[],
    bearerMax: [] as Measured[],
    leanMax: [] as Measured[],
    leanRate: [] as Measured[],
  };
  try {
    // Alternate the servers so drifting load on the machine hits both alike; medians of rounds.
    for (let r = 0; r < ROUNDS; r++) {
      if (hasH2load) {
        h2.noop.push(await h2load(noop, noopBody, PHASE_MS / 1000));
        h2.big.push(await h2load(big, bigBody, PHASE_MS / 1000));
        h2.tls.push(await h2load(bigTls, tlsBody, PHASE_MS / 1000));
        h2.lean.push(await h2load(lean, leanBody, PHASE_MS / 1000));
        h2.leanTls.push(await h2load(leanTls, leanTlsBody, PHASE_MS / 1000));
        // Workers: the same total rate into one server, then split over two at the same time
        // (the cost of spreading work over processes, not of saturating one core: a saturated
        // pair would share the load generator's core with the second server).
        h2.oneWorker.push(await h2load(lean, leanBody, PHASE_MS / 1000, 4, WORKERS_RATE / 4));
        h2.oneWorkerHalf.push(await h2load(lean, leanBody, PHASE_MS / 1000, 2, WORKERS_RATE / 4));
        const pair = await Promise.all([
          h2load(lean, leanBody, PHASE_MS / 1000, 2, WORKERS_RATE / 4),
          h2load(lean2, lean2Body, PHASE_MS / 1000, 2, WORKERS_RATE / 4),
        ]);
        h2.twoWorkersCpu.push(
          pair.reduce((us, r) => us + r.cpuUsPerCheck * r.done, 0) /
            pair.reduce((n, r) => n + r.done, 0),
        );
        // Bearer vs cookie with h2load: the Node generator's own CPU (it serializes the longer
        // Bearer request) once bounded this ratio.
        h2.cookie.push(await h2load(small, cookieBody, PHASE_MS / 1000));
        h2.bearer.push(await h2load(bearer, bearerBody, PHASE_MS / 1000));
      }
      runs.noopMax.push(await load(noop, 10_000, 0));
      runs.bigMax.push(await load(big, 10_000, 0));
      runs.noopRate.push(await load(noop, 10_000, RATE));
      runs.bigRate.push(await load(big, 10_000, RATE));
      runs.leanMax.push(await load(lean, 10_000, 0));
      runs.leanRate.push(await load(lean, 10_000, RATE));
      runs.smallRate.push(await load(small, 10, RATE));
      runs.cookieMax.push(await load(small, 10, 0));
      runs.bearerMax.push(await load(bearer, 10, 0));
    }
    if (hasH2load && (await bigTls.refused()) + (await leanTls.refused()) > 0) {
      throw new Error('the TLS server refused h2load Checks as unauthenticated');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    noop.stop();
    big.stop();
    bigTls.stop();
    lean.stop();
    leanTls.stop();
    small.stop();
    bearer.stop();
    lean2.stop();
  }
  const noopMax = median(runs.noopMax, tput);
  const bigMax = median(runs.bigMax, tput);
  const noopRate = median(runs.noopRate, (x) => x.p99);
  const bigRate = median(runs.bigRate, (x) => x.p99);
  const smallRate = median(runs.smallRate, (x) => x.p99);
  const cookieMax = median(runs.cookieMax, tput);
  const bearerMax = median(runs.bearerMax, tput);
  const leanMax = median(runs.leanMax, tput);
  const leanRate = median(runs.leanRate, (x) => x.p99);
  const p50 = (xs: Measured[]) => median(xs, (x) => x.p50).p50;
  if ([...h2.big, ...h2.noop, ...h2.tls, ...h2.lean, ...h2.leanTls].some((r) => r.failed > 0)) {
    throw new Error('h2load saw failed requests');
  }
  const h2noop = hasH2load ? median(h2.noop, (r) => r.rps).rps : 0;
  const h2big = hasH2load ? median(h2.big, (r) => r.rps).rps : 0;
  const h2tls = hasH2load ? median(h2.tls, (r) => r.rps).rps : 0;
  const h2lean = hasH2load ? median(h2.lean, (r) => r.rps).rps : 0;
  const h2leanTls = hasH2load ? median(h2.leanTls, (r) => r.rps).rps : 0;
  const h2cookie = hasH2load ? median(h2.cookie, (r) => r.rps).rps : 0;
  const h2bearer = hasH2load ? median(h2.bearer, (r) => r.rps).rps : 0;
  const oneWorkerCpu = hasH2load ? median(h2.oneWorker, (r) => r.cpuUsPerCheck).cpuUsPerCheck : 0;
  const twoWorkersCpu = hasH2load ? median(h2.twoWorkersCpu, (x) => x) : 0;
  const halfWorkerCpu = hasH2load
    ? median(h2.oneWorkerHalf, (r) => r.cpuUsPerCheck).cpuUsPerCheck
    : 0;
  // Lean vs grpc-js transport, paired per round like the TLS ratio.
  const leanRatio = hasH2load
    ? median(
        h2.lean.map((t, i) => t.rps / h2.big[i]!.rps),
        (x) => x,
      )
    : tput(leanMax) / tput(bigMax);
  // Paired: each round runs plain then TLS back to back, so the ratio of a round sees the same
  // machine load on both sides; the median of those ratios (the machine is shared and noisy).
  const tlsRatio = hasH2load
    ? median(
        h2.tls.map((t, i) => t.rps / h2.big[i]!.rps),
        (x) => x,
      )
    : 0;
  const figures = {
    h2load_noop_checks_per_s: Math.round(h2noop),
    h2load_authz_checks_per_s: Math.round(h2big),
    throughput_ratio_vs_noop: hasH2load ? h2big / h2noop : tput(bigMax) / tput(noopMax),
    h2load_authz_tls_checks_per_s: Math.round(h2tls),
    /** Checks/s over TLS with caller authentication (service JWT) / plain text. */
    tls_throughput_ratio_vs_plain: tlsRatio,
    /** Server CPU per Check under h2load, plain / TLS: what TLS costs on a saturated core. */
    h2load_authz_cpu_us_per_check: hasH2load
      ? median(h2.big, (r) => r.cpuUsPerCheck).cpuUsPerCheck
      : 0,
    h2load_authz_tls_cpu_us_per_check: hasH2load
      ? median(h2.tls, (r) => r.cpuUsPerCheck).cpuUsPerCheck
      : 0,
    /** The lean Check transport (authz/grpc/lean-check.ts), same server and request. */
    h2load_authz_lean_checks_per_s: Math.round(h2lean),
    lean_throughput_ratio_vs_noop: hasH2load ? h2lean / h2noop : tput(leanMax) / tput(noopMax),
    lean_throughput_ratio_vs_grpc_js: leanRatio,
    h2load_authz_lean_tls_checks_per_s: Math.round(h2leanTls),
    h2load_authz_lean_cpu_us_per_check: hasH2load
      ? median(h2.lean, (r) => r.cpuUsPerCheck).cpuUsPerCheck
      : 0,
    node_generator_authz_lean_checks_per_s: Math.round(tput(leanMax)),
    authz_lean_1000_per_s_p50_ms: p50(runs.leanRate),
    authz_lean_1000_per_s_p99_ms: leanRate.p99,
    authz_lean_1000_per_s_p99_over_p50: leanRate.p99 / Math.max(1e-9, p50(runs.leanRate)),
    /** The lean server during its 1,000/s phase (the median round by p99): where the tail comes from. */
    authz_lean_1000_per_s_event_loop_delay_p99_ms: leanRate.tails.eldP99Ms,
    authz_lean_1000_per_s_event_loop_delay_max_ms: leanRate.tails.eldMaxMs,
    authz_lean_1000_per_s_gc_pauses: leanRate.tails.gcCount,
    authz_lean_1000_per_s_gc_ms: leanRate.tails.gcMs,
    authz_lean_1000_per_s_gc_max_ms: leanRate.tails.gcMaxMs,
    node_generator_noop_checks_per_s: Math.round(tput(noopMax)),
    node_generator_authz_checks_per_s: Math.round(tput(bigMax)),
    node_generator_throughput_ratio: tput(bigMax) / tput(noopMax),
    noop_server_cpu_us_per_check: median(runs.noopMax, (x) => x.cpuUsPerCheck).cpuUsPerCheck,
    authz_server_cpu_us_per_check: median(runs.bigMax, (x) => x.cpuUsPerCheck).cpuUsPerCheck,
    noop_max_p50_ms: noopMax.p50,
    noop_max_p99_ms: noopMax.p99,
    authz_max_p50_ms: bigMax.p50,
    authz_max_p99_ms: bigMax.p99,
    noop_1000_per_s_p50_ms: p50(runs.noopRate),
    noop_1000_per_s_p99_ms: noopRate.p99,
    authz_1000_per_s_p50_ms: p50(runs.bigRate),
    authz_1000_per_s_p99_ms: bigRate.p99,
    /** What authz adds to the no-op server's p99 at 1,000/s (medians of the same rounds). */
    authz_added_p99_ms_vs_noop: bigRate.p99 - noopRate.p99,
    authz_10_routes_1000_per_s_p50_ms: p50(runs.smallRate),
    authz_10_routes_1000_per_s_p99_ms: smallRate.p99,
    latency_ratio_10000_vs_10_routes: p50(runs.bigRate) / p50(runs.smallRate),
    cookie_10_routes_max_checks_per_s: Math.round(tput(cookieMax)),
    bearer_jwt_10_routes_max_checks_per_s: Math.round(tput(bearerMax)),
    /** Cached IdP JWT access token vs cookie session, same 10 routes and policy. */
    bearer_vs_cookie_throughput_ratio: tput(bearerMax) / tput(cookieMax),
    h2load_cookie_10_routes_checks_per_s: Math.round(h2cookie),
    h2load_bearer_10_routes_checks_per_s: Math.round(h2bearer),
    /** The same ratio with h2load (no Node generator in the way), paired per round. */
    h2load_bearer_vs_cookie_throughput_ratio: hasH2load
      ? median(
          h2.bearer.map((b, i) => b.rps / h2.cookie[i]!.rps),
          (x) => x,
        )
      : 0,
    /** CPU µs per Check at WORKERS_RATE Checks/s: 1 lean worker, 2 (summed over both processes). */
    h2load_lean_cpu_us_per_check_1_worker: oneWorkerCpu,
    h2load_lean_cpu_us_per_check_2_workers: twoWorkersCpu,
    cpu_per_check_2_workers_vs_1: hasH2load ? twoWorkersCpu / oneWorkerCpu : 0,
    /**
     * One worker at half the rate: a Node server spends more CPU per Check the fewer Checks share
     * each event-loop turn and HTTP/2 write, so this separates that from any cost of a second worker.
     */
    h2load_lean_cpu_us_per_check_1_worker_half_rate: halfWorkerCpu,
    cpu_per_check_2_workers_vs_1_same_rate_each: hasH2load ? twoWorkersCpu / halfWorkerCpu : 0,
  };
  const row = (name: string, r: Measured) =>
    `${name.padEnd(40)} ${String(Math.round(tput(r))).padStart(8)} ${r.p50.toFixed(3).padStart(8)} ${r.p99.toFixed(3).padStart(8)} ${r.cpuUsPerCheck.toFixed(1).padStart(9)}`;
  const h2row = (name: string, rps: number, cpu?: number) =>
    `${name.padEnd(40)} ${String(Math.round(rps)).padStart(8)}${cpu === undefined ? '' : `${''.padStart(18)} ${cpu.toFixed(1).padStart(9)}`}`;
  const tailRow = (name: string, r: Measured) =>
    `  ${name.padEnd(16)} loop delay ${r.tails.eldP50Ms.toFixed(2)}/${r.tails.eldP99Ms.toFixed(2)}/${r.tails.eldMaxMs.toFixed(2)} ms; GC ${r.tails.gcCount} pauses, ${r.tails.gcMs.toFixed(1)} ms, max ${r.tails.gcMaxMs.toFixed(2)} ms; Check p99/p50 ${(r.p99 / Math.max(1e-9, r.p50)).toFixed(1)}`;
  const h2cpu = (xs: H2loadResult[]) => median(xs, (r) => r.cpuUsPerCheck).cpuUsPerCheck;
  const table = [
    `server on one core${pinnable ? ' (taskset -c 0; generator on core 1)' : ' (taskset missing: not pinned)'}; max = ${CONCURRENCY} in flight; ${PHASE_MS / 1000} s per phase; median of ${ROUNDS} alternating rounds`,
    `servers run with ${SERVER_NODE_FLAGS.join(' ')}; authz logs every decision (info) through the start command's async batched pino destination to /dev/null`,
    `${'server / load'.padEnd(40)} ${'checks/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'cpu us/ck'.padStart(9)}`,
    ...(hasH2load
      ? [
          h2row('h2load: no-op Check, saturated', h2noop),
          h2row('h2load: authz 10,000 routes, 20 criteria', h2big, h2cpu(h2.big)),
          `${h2row('h2load: same over TLS + caller auth (JWT)', h2tls, h2cpu(h2.tls))}   ${tlsRatio.toFixed(2)}× plain (median of paired rounds)`,
          `${h2row('h2load: authz, lean Check transport', h2lean, h2cpu(h2.lean))}   ${leanRatio.toFixed(2)}× grpc-js, ${(h2lean / h2noop).toFixed(2)}× no-op`,
          h2row('h2load: lean, TLS + caller auth (JWT)', h2leanTls, h2cpu(h2.leanTls)),
          h2row(`h2load: 1 lean worker at ${WORKERS_RATE}/s`, WORKERS_RATE, oneWorkerCpu),
          h2row(`h2load: 1 lean worker at ${WORKERS_RATE / 2}/s`, WORKERS_RATE / 2, halfWorkerCpu),
          `${h2row(`h2load: 2 lean workers, ${WORKERS_RATE / 2}/s each`, WORKERS_RATE, twoWorkersCpu)}   ${(twoWorkersCpu / oneWorkerCpu).toFixed(2)}× the CPU per Check of 1 (both processes' CPU summed), ${(twoWorkersCpu / halfWorkerCpu).toFixed(2)}× 1 at ${WORKERS_RATE / 2}/s`,
          h2row('h2load: cookie session, 10 routes', h2cookie, h2cpu(h2.cookie)),
          `${h2row('h2load: Bearer JWT (cached), 10 routes', h2bearer, h2cpu(h2.bearer))}   ${(h2bearer / h2cookie).toFixed(2)}× cookie`,
        ]
      : ['h2load missing (Debian nghttp2-client): throughput from the Node generator only']),
    row('Node generator: no-op Check, max', noopMax),
    row('Node generator: authz 10,000 routes, max', bigMax),
    row('no-op Check, 1,000/s', noopRate),
    row('authz 10,000 routes, 1,000/s', bigRate),
    row('authz lean transport, max', leanMax),
    `${row('authz lean transport, 1,000/s', leanRate)}   p99/p50 ${(leanRate.p99 / Math.max(1e-9, p50(runs.leanRate))).toFixed(1)}`,
    row('authz 10 routes, 1,000/s', smallRate),
    row('cookie session, 10 routes, max', cookieMax),
    row('Bearer JWT access token (cached), max', bearerMax),
    'tails at 1,000/s (server event-loop delay p50/p99/max; GC pauses count, total, max):',
    tailRow('grpc-js authz', bigRate),
    tailRow('lean authz', leanRate),
    tailRow('no-op grpc-js', noopRate),
  ].join('\n');
  return {
    figures,
    goals: {
      throughput_ratio_vs_noop: { min: 0.75 },
      ...(hasH2load ? { tls_throughput_ratio_vs_plain: { min: 0.8 } } : {}),
      authz_1000_per_s_p99_ms: { max: 2 },
      latency_ratio_10000_vs_10_routes: { max: 1.1 },
      bearer_vs_cookie_throughput_ratio: { min: 0.9 },
      ...(hasH2load
        ? {
            h2load_bearer_vs_cookie_throughput_ratio: { min: 1 },
            cpu_per_check_2_workers_vs_1: { max: 1.1 },
          }
        : {}),
    },
    table,
  };
};

// Tracing off and on (1 % sampled) in the same run: the rows of bench/tracing.bench.ts.
export default withTracingRows(
  run,
  () => import('./tracing.bench.js'),
  'tracing off / on, 1% sampled (bench/tracing.bench.ts, same run):',
);

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

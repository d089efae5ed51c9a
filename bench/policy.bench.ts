// Policy engine figures: one decision of a 20-criterion policy (median and p99, each decision
// timed alone with hrtime, timer overhead included), compile time of 10,000 route policies (the
// generated 10k-route config, and 10,000 copies of the 20-criterion policy), heap they use.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  compilePolicyDocument,
  compileRoutePolicies,
  type PolicyIdentity,
  type PolicyRequest,
} from '../authz/index.js';
import { parseConfigText } from '../config/index.js';
import { generateRoutesConfig } from '../examples/generate-routes.js';
import type { BenchResult } from './run.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** 20 criteria over 4 blocks: the kind of policy a large team writes. */
export const POLICY_20 = [
  {
    allow: {
      and: [
        { authenticated_user: true },
        { domain: { is: 'example.com' } },
        { groups: { has: 'engineering' } },
        { 'claim/department': 'platform' },
        { http_method: { in: ['GET', 'HEAD', 'POST'] } },
        { http_path: { starts_with: '/api/' } },
        { source_ip: ['10.0.0.0/8', '192.168.0.0/16'] },
        { day_of_week: { days: 'mon-fri', time_zone: 'Europe/Berlin' } },
        { time_of_day: { after: '06:00', before: '22:00', time_zone: 'Europe/Berlin' } },
        { email: { ends_with: '@example.com' } },
      ],
      or: [{ cors_preflight: true }, { email: 'breakglass@example.com' }],
    },
  },
  {
    deny: {
      or: [
        { groups: { has: 'contractors' } },
        { email: { in: ['mallory@example.com', 'eve@example.com'] } },
        { 'claim/status': 'suspended' },
        { http_path: { starts_with: '/api/admin' } },
        { date: { before: '2026-01-01', time_zone: 'UTC' } },
      ],
      not: [{ user: { not: '' } }, { http_method: { not: 'TRACE' } }, { accept: true }],
    },
  },
];

function req(method: string, path: string, ip: string): PolicyRequest {
  return {
    method,
    host: 'app.example.com',
    hostname: 'app.example.com',
    path,
    rawPath: path,
    rawQuery: '',
    url: `https://app.example.com${path}`,
    headers: { accept: 'text/html', 'user-agent': 'bench' },
    sourceIp: ip,
    clientCertificate: { presented: false, valid: false },
  };
}

const user = (groups: string[]): PolicyIdentity => ({
  sessionId: 's',
  userId: 'u1',
  email: 'alice@example.com',
  groups,
  claims: { department: ['platform'], status: ['active'] },
});

const pct = (sorted: readonly number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

function timeDecisions(
  cases: readonly [PolicyRequest, PolicyIdentity | null][],
  n: number,
): { median: number; p99: number } {
  const policy = compilePolicyDocument(POLICY_20);
  const now = Date.parse('2026-11-24T10:00:00Z');
  for (let i = 0; i < 50_000; i++) {
    const [r, id] = cases[i % cases.length]!;
    policy.evaluate(r, id, { now: now + i });
  }
  const samples = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [r, id] = cases[i % cases.length]!;
    const t0 = process.hrtime.bigint();
    policy.evaluate(r, id, { now: now + i });
    samples[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
  const sorted = Array.from(samples).sort((a, b) => a - b);
  return { median: pct(sorted, 50), p99: pct(sorted, 99) };
}

function median(xs: number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}

function compileFigures(text: string, runs: number) {
  const loaded = parseConfigText(text, { file: 'bench.yaml', env: {} });
  compileRoutePolicies(loaded); // warm-up
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    compileRoutePolicies(loaded);
    times.push(performance.now() - t0);
  }
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = compileRoutePolicies(loaded);
  gc();
  const heap = process.memoryUsage().heapUsed - before;
  if (kept.size !== loaded.config.routes.length) throw new Error('lost routes');
  return { ms: median(times), heapMb: heap / 1e6 };
}

/** 10,000 routes with the 20-criterion policy, a few values varying per route as in real configs. */
function twentyCriterionConfig(count: number): string {
  const doc = JSON.stringify(POLICY_20);
  const out = ['authenticate_service_url: https://auth.example.com', 'routes:'];
  for (let i = 0; i < count; i++) {
    const policy = doc
      .replace('"engineering"', `"team-${i % 500}"`)
      .replace('"breakglass@example.com"', `"owner-${i}@example.com"`)
      .replace('"/api/admin"', `"/api/${i}/admin"`);
    out.push(
      `  - {id: r${i}, from: "https://app-${i}.example.com", to: "http://u-${i}", policy: ${policy}}`,
    );
  }
  return `${out.join('\n')}\n`;
}

export default async function bench(): Promise<BenchResult> {
  const ok = req('GET', '/api/items', '10.1.2.3');
  const mixed: [PolicyRequest, PolicyIdentity | null][] = [
    [ok, user(['engineering'])], // allow
    [ok, user(['engineering', 'contractors'])], // deny rule
    [req('DELETE', '/api/items', '10.1.2.3'), user(['engineering'])], // deny, explained
    [ok, null], // login
  ];
  const allow = timeDecisions([[ok, user(['engineering'])]], 200_000);
  const mix = timeDecisions(mixed, 200_000);
  const generated = compileFigures(generateRoutesConfig(10_000), 5);
  const heavy = compileFigures(twentyCriterionConfig(10_000), 3);
  const figures = {
    decision_median_us: Number(allow.median.toFixed(3)),
    decision_p99_us: Number(allow.p99.toFixed(3)),
    decision_mixed_median_us: Number(mix.median.toFixed(3)),
    decision_mixed_p99_us: Number(mix.p99.toFixed(3)),
    compile_10k_routes_ms: Math.round(generated.ms),
    heap_10k_routes_mb: Number(generated.heapMb.toFixed(1)),
    compile_10k_policy20_ms: Math.round(heavy.ms),
    heap_10k_policy20_mb: Number(heavy.heapMb.toFixed(1)),
  };
  const table = [
    '20-criterion policy (4 blocks), each decision timed alone (hrtime, overhead included), 200,000 decisions:',
    `  allowed request:                     median ${figures.decision_median_us} µs, p99 ${figures.decision_p99_us} µs`,
    `  mix allow / deny rule / explained deny / login: median ${figures.decision_mixed_median_us} µs, p99 ${figures.decision_mixed_p99_us} µs`,
    'compileRoutePolicies on 10,000 routes (config already loaded):',
    `  generated 10k-route config (legacy keys + small PPL): ${figures.compile_10k_routes_ms} ms, heap ${figures.heap_10k_routes_mb} MB`,
    `  10,000 × 20-criterion policies (varied):                  ${figures.compile_10k_policy20_ms} ms, heap ${figures.heap_10k_policy20_mb} MB`,
  ].join('\n');
  return {
    figures,
    goals: {
      decision_median_us: { max: 2 },
      compile_10k_routes_ms: { max: 500 },
      compile_10k_policy20_ms: { max: 500 },
    },
    table,
  };
}

// The routes portal at scale (issue 21, docs/pages.md): `/.pomerium/routes` (HTML) and
// `/.pomerium/api/v1/routes` (JSON) for a signed-in user with 1,000 routes (half of them open to
// that user, each with a name, a description and a logo), answered by the real authz server over
// gRPC (test/helpers/authz-harness.ts): the whole Check round trip, p50 and p99 of sequential
// requests after a warm-up, and the CPU time per request of this process (server and client:
// less sensitive than wall time to other load on the machine). `npm run bench -- pages`.
import { performance } from 'node:perf_hooks';
import { type CheckFixture, fixture, startAuthzHarness } from '../test/helpers/authz-harness.js';
import type { BenchResult } from './run.js';

const ROUTES = 1000;
const WARMUP = 30;
const RUNS = 200;

const yaml = `routes:\n${Array.from(
  { length: ROUTES },
  (_, i) =>
    `  - id: r${i}\n    name: App ${i}\n    description: The application number ${i}, for the team\n    logo_url: https://cdn.example.com/logo-${i}.png\n    from: https://app${i}.example.com\n    to: http://upstream.internal:8080\n    allowed_users: [${i % 2 === 0 ? 'alice' : 'bob'}@example.com]`,
).join('\n')}\n`;

const request = (path: string, accept: string, token: string): CheckFixture =>
  fixture('browser-get', (f) => {
    const http = f.attributes.request.http;
    http.headers[':authority'] = 'app0.example.com';
    http.host = 'app0.example.com';
    http.headers[':path'] = path;
    http.path = path;
    http.headers.accept = accept;
    http.headers.cookie = `_pomerium=${token}`;
    f.attributes.context_extensions = { internal: 'true', route_id: '' };
  });

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export default async function run(): Promise<BenchResult> {
  const h = await startAuthzHarness({ yaml });
  const rows: [string, number, number, number][] = [];
  try {
    const { token } = await h.signIn({ email: 'alice@example.com' });
    for (const [label, path, accept] of [
      ['HTML /.pomerium/routes', '/.pomerium/routes', 'text/html'],
      ['JSON /.pomerium/api/v1/routes', '/.pomerium/api/v1/routes', 'application/json'],
    ] as const) {
      const req = request(path, accept, token);
      const once = async (): Promise<number> => {
        const t0 = performance.now();
        const res = await h.check(req);
        const ms = performance.now() - t0;
        if (res.status !== 200) throw new Error(`${label}: answered ${res.status}`);
        const listed = (res.body.match(/app\d+\.example\.com/g) ?? []).length;
        if (listed < ROUTES / 2) throw new Error(`${label}: ${listed} routes listed`);
        return ms;
      };
      for (let i = 0; i < WARMUP; i++) await once();
      const times: number[] = [];
      const cpu0 = process.cpuUsage();
      for (let i = 0; i < RUNS; i++) times.push(await once());
      const cpu = process.cpuUsage(cpu0);
      times.sort((a, b) => a - b);
      rows.push([label, pct(times, 50), pct(times, 99), (cpu.user + cpu.system) / 1000 / RUNS]);
    }
  } finally {
    await h.close();
  }
  const [html, json] = rows as [[string, number, number, number], [string, number, number, number]];
  return {
    figures: {
      routes_portal_html_1000_routes_p50_ms: html[1],
      routes_portal_html_1000_routes_p99_ms: html[2],
      routes_portal_json_1000_routes_p50_ms: json[1],
      routes_portal_json_1000_routes_p99_ms: json[2],
      routes_portal_html_1000_routes_cpu_ms: html[3],
      routes_portal_json_1000_routes_cpu_ms: json[3],
    },
    goals: {
      routes_portal_html_1000_routes_p99_ms: { max: 50 },
      routes_portal_json_1000_routes_p99_ms: { max: 50 },
    },
    table: [
      `routes portal, ${ROUTES} routes (${ROUTES / 2} open to the user), gRPC Check round trip, ${RUNS} sequential requests after ${WARMUP}`,
      `${'page'.padEnd(32)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'cpu ms'.padStart(8)}`,
      ...rows.map(
        ([l, p50, p99, cpu]) =>
          `${l.padEnd(32)} ${p50.toFixed(2).padStart(8)} ${p99.toFixed(2).padStart(8)} ${cpu.toFixed(2).padStart(8)}`,
      ),
    ].join('\n'),
  };
}

// forward-auth figures: decisions per second of the forward-auth front door (HTTP/1.1 keep-alive,
// the Caddy convention) vs the ext_authz Check (gRPC) on the SAME authz server, route, policy
// (a signed-in user, group + email + path criteria, identity headers and the signed assertion)
// and session. Both are driven from this process with the same concurrency, one after the other,
// so the figures compare the two front doors, not absolute capacity (bench/authz.bench.ts is the
// authoritative Check throughput figure).
import { Agent, request } from 'node:http';
import { createForwardAuthServer } from '../forward-auth/index.js';
import { startAuthzHarness } from '../test/helpers/authz-harness.js';
import type { BenchResult } from './run.js';

const WARMUP_MS = 1000;
const PHASE_MS = 3000;
const CONCURRENCY = 32;

const YAML = `
jwt_claims_headers: email,groups
routes:
  - id: app
    from: https://app.example.com
    to: http://127.0.0.1:9
    pass_identity_headers: true
    policy:
      allow:
        and:
          - groups: {has: engineering}
          - email: {ends_with: "@example.com"}
          - http_path: {starts_with: /api/}
`;

async function drive(once: () => Promise<boolean>, ms: number): Promise<number> {
  const end = performance.now() + ms;
  let done = 0;
  let wrong = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        if (await once()) done++;
        else wrong++;
      }
    }),
  );
  if (wrong > 0) throw new Error(`${wrong} decisions were not allow`);
  return done / (ms / 1000);
}

export default async function bench(): Promise<BenchResult> {
  const h = await startAuthzHarness({ yaml: YAML });
  const { token } = await h.signIn({ email: 'bench@example.com', groups: ['engineering'] });
  const fwd = createForwardAuthServer({ loaded: h.loaded, authz: h.authz });
  const { port } = await fwd.listen(0);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const cookie = `_pomerium=${token}`;
  const viaForwardAuth = (): Promise<boolean> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/verify/caddy',
          agent,
          headers: {
            'x-forwarded-method': 'GET',
            'x-forwarded-proto': 'https',
            'x-forwarded-host': 'app.example.com',
            'x-forwarded-uri': '/api/items?page=1',
            'x-forwarded-for': '10.1.2.3',
            cookie,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve(
              res.statusCode === 200 && res.headers['x-pomerium-jwt-assertion'] !== undefined,
            ),
          );
        },
      );
      req.on('error', reject);
      req.end();
    });
  const viaCheck = async (): Promise<boolean> => {
    const r = await h.check({
      attributes: {
        source: { address: { socket_address: { address: '10.1.2.3' } } },
        request: {
          http: {
            method: 'GET',
            host: 'app.example.com',
            path: '/api/items?page=1',
            headers: { cookie },
          },
        },
        context_extensions: { internal: 'false', route_id: 'app' },
      },
    });
    return r.status === 200 && r.headers['x-pomerium-jwt-assertion'] !== undefined;
  };
  try {
    await drive(viaCheck, WARMUP_MS);
    const checkRate = await drive(viaCheck, PHASE_MS);
    await drive(viaForwardAuth, WARMUP_MS);
    const fwdRate = await drive(viaForwardAuth, PHASE_MS);
    const figures = {
      ext_authz_decisions_per_s: Math.round(checkRate),
      forward_auth_decisions_per_s: Math.round(fwdRate),
      forward_auth_vs_ext_authz: fwdRate / checkRate,
    };
    const goals = { forward_auth_vs_ext_authz: { min: 0.5 } };
    const table = [
      `front door      decisions/s  (same authz, route, policy, session; concurrency ${CONCURRENCY})`,
      `ext_authz gRPC  ${figures.ext_authz_decisions_per_s}`,
      `forward-auth    ${figures.forward_auth_decisions_per_s}`,
    ].join('\n');
    return { figures, goals, table };
  } finally {
    agent.destroy();
    await fwd.close();
    await h.close();
  }
}

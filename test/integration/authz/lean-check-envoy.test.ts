// The lean Check transport with a real Envoy as its client, for a long run: 100,000 requests
// through Envoy's listener (each one a Check stream on Envoy's few long-lived connections to
// authz), a tenth of them cancelled by the client so Envoy resets their Checks midway. A
// throwaway no-op on bare node:http2 once stopped answering correctly after ~40k streams from
// Envoy (docs/performance.md); here every request that was not cancelled must get its decision,
// Envoy must have sent every Check to authz (its cluster stats), and authz must still answer
// afterwards.
import assert from 'node:assert/strict';
import { type ClientHttp2Session, constants } from 'node:http2';
import { after, before, test } from 'node:test';
import { envoyInFrontOf } from '../../helpers/authz-envoy.js';
import { type AuthzHarness, startAuthzHarness } from '../../helpers/authz-harness.js';
import { type EchoUpstream, startEchoUpstream } from '../../helpers/echo-upstream.js';
import { openSession } from '../../helpers/raw-grpc.js';
import type { RunningEnvoy } from '../../helpers/spawn-envoy.js';

const STREAMS = 100_000;
const IN_FLIGHT = 48;
const CANCEL_EVERY = 10;

let upstream: EchoUpstream;
let authn: EchoUpstream;
let authz: AuthzHarness;
let envoy: RunningEnvoy;
let port: number;
let cookie: string;

before(async () => {
  [upstream, authn] = await Promise.all([startEchoUpstream('app'), startEchoUpstream('authn')]);
  authz = await startAuthzHarness({
    yaml: `
insecure_server: true
address: 127.0.0.1:0
routes:
  - id: app
    from: http://app.example.com
    to: ${upstream.url}
    allowed_domains: [example.com]
    pass_identity_headers: true
  - id: public
    from: http://public.example.com
    to: ${upstream.url}
    allow_public_unauthenticated_access: true
`,
  });
  ({ envoy, port } = await envoyInFrontOf(authz, authn));
  const { token } = await authz.signIn({ email: 'alice@example.com' });
  cookie = `_pomerium=${token}`;
});
after(async () => {
  await envoy?.stop();
  await authz?.close();
  await Promise.all([upstream?.close(), authn?.close()]);
});

/** Envoy's counters for the authz cluster. */
async function authzClusterStats(): Promise<Record<string, number>> {
  const res = await fetch(
    `${envoy.process.adminUrl}/stats?format=json&filter=^cluster\\.portcullis-authorize\\.`,
  );
  const body = (await res.json()) as { stats: { name: string; value?: number }[] };
  return Object.fromEntries(
    body.stats
      .filter((s) => typeof s.value === 'number')
      .map((s) => [s.name.replace('cluster.portcullis-authorize.', ''), s.value!]),
  );
}

function get(
  session: ClientHttp2Session,
  host: string,
  signedIn: boolean,
  cancel: boolean,
): Promise<number | 'cancelled'> {
  return new Promise((resolve) => {
    const req = session.request({
      ':method': 'GET',
      ':path': '/items',
      ':authority': host,
      accept: 'application/json',
      ...(signedIn ? { cookie } : {}),
    });
    let status = 0;
    req.on('response', (h) => {
      status = Number(h[':status']);
    });
    req.on('error', () => undefined);
    req.resume();
    req.on('close', () => resolve(cancel ? 'cancelled' : status));
    req.end();
    if (cancel) setImmediate(() => req.close(constants.NGHTTP2_CANCEL));
  });
}

test('Envoy sends 100,000 Checks (a tenth cancelled) and every other request gets its decision', async () => {
  const before = await authzClusterStats();
  // Envoy may end a downstream HTTP/2 connection that carries many client resets (its
  // premature-reset guard): that is between this client and Envoy, so the client opens a new one
  // and sends the lost requests again. What is tested is Envoy → authz.
  const open = () =>
    openSession(`http://127.0.0.1:${port}`).then((s) => s.on('error', () => undefined));
  let session = await open();
  let reopening: Promise<ClientHttp2Session> | undefined;
  let reopened = 0;
  const live = async (): Promise<ClientHttp2Session> => {
    if (!session.destroyed && !session.closed) return session;
    reopening ??= open().then((s) => {
      session = s;
      reopened++;
      reopening = undefined;
      return s;
    });
    return reopening;
  };
  const statuses = new Map<string, number>();
  let next = 0;
  const worker = async () => {
    while (next < STREAMS) {
      const i = next++;
      const publicRoute = i % 2 === 0;
      const cancel = i % CANCEL_EVERY === CANCEL_EVERY - 1;
      let status: number | 'cancelled' = 0;
      for (let attempt = 0; attempt < 3 && status === 0; attempt++) {
        const s = await live();
        status = await get(
          s,
          publicRoute ? 'public.example.com' : 'app.example.com',
          !publicRoute,
          cancel,
        ).catch(() => 0 as const);
      }
      const key = String(status);
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  session.close();
  if (reopened > 0) console.log(`# Envoy closed the client connection ${reopened} time(s)`);
  const cancelled = statuses.get('cancelled') ?? 0;
  assert.equal(cancelled, STREAMS / CANCEL_EVERY);
  assert.deepEqual(
    Object.fromEntries(statuses),
    { 200: STREAMS - cancelled, cancelled },
    'every request not cancelled is allowed and reaches the upstream',
  );
  const stats = await authzClusterStats();
  const checks = (stats.upstream_rq_total ?? 0) - (before.upstream_rq_total ?? 0);
  // The cancelled ones may be cancelled before Envoy started their Check.
  assert.ok(checks >= STREAMS - cancelled, `Envoy sent only ${checks} Checks`);
  // On few long-lived connections: the long run is many streams per HTTP/2 session.
  assert.ok(
    (stats.upstream_cx_total ?? 0) <= 8,
    `Envoy opened ${stats.upstream_cx_total} connections`,
  );
  const served = /^portcullis_authz_lean_checks_total (\d+)$/m.exec(authz.authz.metrics());
  assert.ok(Number(served?.[1]) >= STREAMS - cancelled, 'the lean transport answered them');
});

test('after the long run a signed-in and an anonymous request still get their decisions', async () => {
  const session = await openSession(`http://127.0.0.1:${port}`);
  try {
    assert.equal(await get(session, 'app.example.com', true, false), 200);
    assert.equal(await get(session, 'app.example.com', false, false), 401);
  } finally {
    session.close();
  }
});

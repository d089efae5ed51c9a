// End to end, split mode on PostgreSQL: two authorize replicas, one authenticate, one proxy
// (ADS + supervised Envoy balancing across the replicas), the dev IdP and the demo app.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from '../helpers/browser.js';
import { type E2eStack, scriptedSignIn, startE2eStack } from '../helpers/e2e-stack.js';
import { getStatus, startLoadLoops } from '../helpers/load-loops.js';

let stack: E2eStack;

before(async () => {
  stack = await startE2eStack('split');
});

after(async () => {
  await stack?.close();
});

const hostOf = (name: string) => new URL(stack.url(name)).host;

async function signedIn(): Promise<{ browser: Browser; cookie: string }> {
  const browser = stack.browser();
  const landed = await scriptedSignIn(stack, browser, `${stack.url('app')}/`);
  assert.equal(landed.status, 200);
  return { browser, cookie: browser.jar.header(new URL(stack.url('app'))) };
}

/** Decisions each authorize replica logged so far. */
function decisionsByReplica(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { name, line } of stack.logs) {
    if (name.startsWith('authorize-') && /"msg":"authorize"/.test(line)) {
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
  }
  return counts;
}

test('split mode: a sign-out handled by one replica is honoured by the other at once', async () => {
  const { browser, cookie } = await signedIn();
  const host = hostOf('app');
  // Envoy balances over both replicas (once its health checks pass): both must have the session.
  const decided = decisionsByReplica();
  const served = () => {
    const now = decisionsByReplica();
    return ['authorize-1', 'authorize-2'].every((r) => (now.get(r) ?? 0) > (decided.get(r) ?? 0));
  };
  const deadline = Date.now() + 10_000;
  let sent = 0;
  while ((sent < 20 || !served()) && Date.now() < deadline) {
    assert.equal((await getStatus(stack.envoyPort, host, { cookie })).status, 200);
    sent++;
  }
  assert.ok(served(), `both replicas served some of the ${sent} requests`);
  await browser.follow(`${stack.url('app')}/.pomerium/sign_out`, {
    stop: (u) => u.origin === stack.idp.issuer,
  });
  // The documented bound for every replica to see the deletion is 100 ms.
  await new Promise((r) => setTimeout(r, 100));
  const statuses = await Promise.all(
    Array.from({ length: 20 }, () =>
      getStatus(stack.envoyPort, host, { cookie, accept: 'text/html' }).then((r) => r.status),
    ),
  );
  assert.deepEqual(
    statuses.filter((s) => s !== 302),
    [],
    'every request after the sign-out is sent to sign in again',
  );
});

test('an authz replica killed under load: no request is allowed by mistake, and only the Checks in flight fail', async () => {
  const { cookie } = await signedIn();
  const port = stack.envoyPort;
  const host = hostOf('app');
  const load = startLoadLoops([
    {
      name: 'signed-in',
      count: 3,
      send: async () => (await getStatus(port, host, { cookie })).status,
    },
    {
      name: 'anonymous',
      count: 3,
      send: async () => (await getStatus(port, host, { accept: 'application/json' })).status,
    },
  ]);
  await new Promise((r) => setTimeout(r, 800));
  const killedAt = Date.now();
  await stack.split!.processes.get('authorize-1')!.stop('SIGKILL');
  await new Promise((r) => setTimeout(r, 2500));
  await load.stop();
  const anonymous = load.outcomes.filter((o) => o.loop === 'anonymous');
  if (process.env.E2E_LOGS) {
    const tally: Record<string, number> = {};
    for (const o of load.outcomes) {
      const k = `${o.loop} ${o.at < killedAt ? 'before' : 'after'} ${o.status}`;
      tally[k] = (tally[k] ?? 0) + 1;
    }
    process.stderr.write(`${JSON.stringify(tally)}\n`);
  }
  const signed = load.outcomes.filter((o) => o.loop === 'signed-in');
  assert.ok(anonymous.length > 20 && signed.length > 20, 'enough load on both kinds');
  assert.deepEqual(
    anonymous.filter((o) => o.status === 200),
    [],
    'no anonymous request was allowed',
  );
  assert.deepEqual(
    [...new Set(anonymous.map((o) => o.status))].filter((s) => s !== 401 && s < 500),
    [],
    'anonymous requests get 401 (or fail closed with a 5xx)',
  );
  assert.deepEqual(
    [...new Set(signed.map((o) => o.status))].filter((s) => s !== 200 && s < 500),
    [],
    'signed-in requests get 200 or fail closed',
  );
  // Failover (envoy/lib/authz-resilience.ts): a Check sent to the dead replica after the kill is
  // retried on the other one, so the kill costs at most the Checks in flight at that moment
  // (one per loop).
  const failedAfter = signed.filter((o) => o.at > killedAt && o.status !== 200);
  assert.ok(
    failedAfter.length <= 3,
    `at most the 3 in-flight signed-in requests fail: ${JSON.stringify(failedAfter.map((o) => [o.at - killedAt, o.status]))}`,
  );
  const lastSecond = signed.filter((o) => o.at > killedAt + 1500);
  assert.ok(
    lastSecond.some((o) => o.status === 200),
    'the surviving replica keeps serving signed-in users',
  );
});

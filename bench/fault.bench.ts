// Fault bench (issue 14): split mode (two authorize replicas, authenticate, proxy + Envoy) on a
// private PostgreSQL, 50 signed-in users under steady load through Envoy, while (a) Postgres is
// stopped for 3 s and started again, (b) one of the two authorize replicas is killed (SIGKILL).
// Beside the users, probes that must never get in: an anonymous client on a protected route and
// a signed-in user whom the route's policy refuses. Per fault it prints requests wrongly allowed
// (must be 0), sessions lost (must be 0), failed requests, and time to recover (from the fault
// ending — Postgres back, or the replica killed — to the last failed request; 0 when nothing
// failed after it).
import { ENVOY_INSTALL_HINT, findEnvoyBinary } from '../cli/index.js';
import type { Browser } from '../test/helpers/browser.js';
import { ALICE, BOB, scriptedSignIn, startE2eStack } from '../test/helpers/e2e-stack.js';
import { getStatus, type Outcome, startLoadLoops } from '../test/helpers/load-loops.js';
import { startPrivatePostgres } from '../test/helpers/private-postgres.js';
import type { BenchResult } from './run.js';

const USERS = 50;
const USER_LOOPS = 10;
const DOWN_MS = 3000;
const AFTER_MS = 5000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Phase {
  readonly requests: number;
  readonly wronglyAllowed: number;
  readonly sessionsLost: number;
  readonly failed: number;
  readonly recoverMs: number;
  /** Failed requests by HTTP status (0: no answer). */
  readonly byStatus: Record<string, number>;
}

export default async function bench(): Promise<BenchResult> {
  if (!findEnvoyBinary()) throw new Error(`Envoy is required: ${ENVOY_INSTALL_HINT}`);
  const pg = await startPrivatePostgres();
  const stack = await startE2eStack('split', {
    databaseUrl: pg.url,
    logLevel: process.env.FAULT_LOG_LEVEL ?? 'warn',
    collectLogs: false,
  }).catch(async (err: unknown) => {
    await pg.destroy();
    throw err;
  });
  try {
    const split = stack.split!;
    const appHost = new URL(stack.url('app')).host;
    const adminHost = new URL(stack.url('admin')).host;
    const cookieOf = (b: Browser, url: string) => `_pomerium=${b.jar.get(url, '_pomerium') ?? ''}`;
    // 50 signed-in users (each its own session), and bob, whom the admin route refuses.
    const users: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const b = stack.browser();
      await scriptedSignIn(stack, b, `${stack.url('app')}/`, ALICE);
      users.push(cookieOf(b, stack.url('app')));
    }
    const bobBrowser = stack.browser();
    await scriptedSignIn(stack, bobBrowser, `${stack.url('other')}/`, BOB);
    await bobBrowser.follow(`${stack.url('admin')}/`);
    const bob = cookieOf(bobBrowser, stack.url('admin'));

    const send = async (host: string, cookie?: string) =>
      (
        await getStatus(stack.envoyPort, host, {
          accept: 'application/json',
          ...(cookie ? { cookie } : {}),
        })
      ).status;
    const checkAll = async (): Promise<number> => {
      let lost = 0;
      for (const c of users) if ((await send(appHost, c)) !== 200) lost++;
      return lost;
    };

    const run = async (fault: () => Promise<number>): Promise<Phase> => {
      const load = startLoadLoops([
        {
          name: 'user',
          count: USER_LOOPS,
          send: async () => {
            // Random, not round robin: with 50 users and two replicas a strict rotation would pin
            // each user to one replica, and the other would never have cached that session.
            const u = Math.floor(Math.random() * USERS);
            return send(appHost, users[u]);
          },
        },
        { name: 'anonymous', count: 1, send: () => send(appHost) },
        { name: 'refused', count: 1, send: () => send(adminHost, bob) },
      ]);
      await sleep(2000);
      const from = Date.now();
      const faultEnd = await fault();
      await sleep(AFTER_MS);
      await load.stop();
      const seen = load.outcomes.filter((o) => o.at >= from);
      const allowed = (o: Outcome) => o.status >= 200 && o.status < 300;
      const wronglyAllowed = seen.filter((o) => o.loop !== 'user' && allowed(o)).length;
      // A signed-in user sent to log in (302/401) lost the session; 5xx or no answer failed.
      const failures = seen.filter((o) =>
        o.loop === 'user' ? o.status !== 200 : o.status === 0 || o.status >= 500,
      );
      const lostDuring = seen.filter(
        (o) => o.loop === 'user' && (o.status === 302 || o.status === 401),
      ).length;
      const lastFailure = Math.max(faultEnd, ...failures.map((o) => o.at));
      const byStatus: Record<string, number> = {};
      for (const o of failures) {
        const k = `${o.loop}:${o.status}`;
        byStatus[k] = (byStatus[k] ?? 0) + 1;
      }
      return {
        requests: seen.length,
        wronglyAllowed,
        sessionsLost: Math.max(lostDuring > 0 ? 1 : 0, await checkAll()),
        failed: failures.length,
        recoverMs: lastFailure - faultEnd,
        byStatus,
      };
    };

    const postgres = await run(async () => {
      await pg.stop();
      await sleep(DOWN_MS);
      await pg.start();
      return Date.now();
    });
    // Measured from the kill itself (the replica is gone at once).
    const replica = await run(async () => {
      const killed = Date.now();
      await split.processes.get('authorize-1')!.stop('SIGKILL');
      return killed;
    });

    const figures = {
      postgres_restart_requests: postgres.requests,
      postgres_restart_wrongly_allowed: postgres.wronglyAllowed,
      postgres_restart_sessions_lost: postgres.sessionsLost,
      postgres_restart_failed: postgres.failed,
      postgres_restart_recover_ms: postgres.recoverMs,
      replica_kill_requests: replica.requests,
      replica_kill_wrongly_allowed: replica.wronglyAllowed,
      replica_kill_sessions_lost: replica.sessionsLost,
      replica_kill_failed: replica.failed,
      replica_kill_recover_ms: replica.recoverMs,
    };
    const goals = {
      postgres_restart_wrongly_allowed: { max: 0 },
      postgres_restart_sessions_lost: { max: 0 },
      postgres_restart_recover_ms: { max: 2000 },
      replica_kill_wrongly_allowed: { max: 0 },
      replica_kill_sessions_lost: { max: 0 },
      replica_kill_recover_ms: { max: 1000 },
    };
    const row = (name: string, p: Phase) =>
      `| ${name} | ${p.requests} | ${p.wronglyAllowed} | ${p.sessionsLost} | ${p.failed} | ${p.recoverMs} |`;
    const table = [
      `${USERS} signed-in users, ${USER_LOOPS} + 2 request loops through Envoy (split mode, private PostgreSQL)`,
      '| fault | requests | wrongly allowed | sessions lost | failed | time to recover (ms) |',
      '| --- | --- | --- | --- | --- | --- |',
      row(`Postgres stopped ${DOWN_MS / 1000} s, restarted`, postgres),
      row('one of two authorize replicas killed', replica),
      '',
      `failed requests by status: Postgres ${JSON.stringify(postgres.byStatus)}, replica ${JSON.stringify(replica.byStatus)}`,
    ].join('\n');
    return { figures, goals, table };
  } finally {
    await stack.close();
    await pg.destroy();
  }
}

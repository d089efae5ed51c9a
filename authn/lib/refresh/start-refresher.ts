// The refresh job: every interval, the replica holding the `authn-refresh` databroker lease
// refreshes the sessions whose access token expires within the grace period (docs/pomerium-behaviour.md §6.4);
// other replicas do nothing, so a rotating refresh token is used by exactly one process.
import type { Logger } from 'pino';
import type { Lease, RecordStore, StoredRecord } from '../../../databroker/index.js';
import type { AuthnState } from '../build-authn-state.js';
import { refreshSession } from './refresh-session.js';

export interface RefreshOptions {
  /** Run the background loop (default true). `runOnce` works either way. */
  readonly enabled: boolean;
  /** Pause between passes, ms (default 10 s). */
  readonly intervalMs: number;
  /** Lease lifetime, ms (default 30 s; renewed every pass). */
  readonly leaseTtlMs: number;
  /** Refresh when the access token expires within this, ms (default 60 s). */
  readonly graceMs: number;
}

export interface Refresher {
  runOnce(): Promise<number>;
  stop(): Promise<void>;
}

export const REFRESH_LEASE = 'authn-refresh';

export function startRefresher(
  options: Partial<RefreshOptions> & {
    readonly store: RecordStore;
    readonly logger: Logger;
    readonly now: () => number;
    readonly state: () => AuthnState;
    /** Told each session's refresh outcome (metrics). */
    readonly onOutcome?: (outcome: string) => void;
  },
): Refresher {
  const { store, logger, now } = options;
  const intervalMs = options.intervalMs ?? 10_000;
  const leaseTtlMs = options.leaseTtlMs ?? 30_000;
  const graceMs = options.graceMs ?? 60_000;
  let lease: Lease | null = null;
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;
  let stopped = false;

  async function holdLease(): Promise<boolean> {
    if (lease && (await lease.renew(leaseTtlMs))) return true;
    lease = await store.lease(REFRESH_LEASE, leaseTtlMs);
    return lease !== null;
  }

  /** Per session: failures in a row and when to try again (transient IdP failures back off). */
  const backoff = new Map<string, { failures: number; next: number }>();
  const MAX_BACKOFF_MS = 5 * 60_000;

  async function pass(): Promise<number> {
    if (!(await holdLease())) return 0;
    const state = options.state();
    let refreshed = 0;
    let after: string | undefined;
    // The lease is renewed while the pass runs (a pass can outlast the lease's lifetime).
    let renewedAt = now();
    const keepLease = async (): Promise<boolean> => {
      if (now() - renewedAt < leaseTtlMs / 3) return true;
      renewedAt = now();
      if (lease && (await lease.renew(leaseTtlMs))) return true;
      logger.warn({ event: 'refresh_lease_lost' }, 'refresh lease lost during a pass; stopping it');
      lease = null;
      return false;
    };
    do {
      const page = await store.list('session', { limit: 500, ...(after ? { after } : {}) });
      for (const record of page.records) {
        const s = record.data;
        const token = s?.oauth_token;
        if (!s || !token?.refresh_token || s.refresh_disabled || !token.expires_at) continue;
        if (token.expires_at - now() > graceMs) continue;
        const wait = backoff.get(s.id);
        if (wait !== undefined && wait.next > now()) continue;
        if (!(await keepLease())) return refreshed;
        const outcome = await refreshSession(
          record as StoredRecord<'session'>,
          state.idps.get(s.idp_id),
          { store, logger, now },
        );
        options.onOutcome?.(outcome);
        if (outcome === 'refreshed') refreshed++;
        if (outcome === 'retry') {
          const failures = (wait?.failures ?? 0) + 1;
          const delay = Math.min(MAX_BACKOFF_MS, intervalMs * 2 ** (failures - 1));
          backoff.set(s.id, { failures, next: now() + delay });
        } else backoff.delete(s.id);
      }
      after = page.next ?? undefined;
    } while (after && !stopped);
    return refreshed;
  }

  function runOnce(): Promise<number> {
    if (!running) {
      running = pass().finally(() => {
        running = null;
      });
    }
    return running;
  }

  function schedule(): void {
    if (stopped || options.enabled === false) return;
    timer = setTimeout(() => {
      runOnce()
        .catch((error: unknown) => {
          logger.warn(
            { event: 'refresh_pass_failed', code: (error as { code?: string }).code },
            'refresh pass failed',
          );
        })
        .finally(schedule);
    }, intervalMs);
    timer.unref();
  }
  schedule();

  return {
    runOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running?.catch(() => 0);
      await lease?.release().catch(() => undefined);
      lease = null;
    },
  };
}

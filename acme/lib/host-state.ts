// What autocert knows about one host between checks: the certificate served (CA-issued or the
// self-signed placeholder), the one stored, and the failures of its last orders with the time the
// next try is due. One home for the retry rule: the CA's Retry-After when it gave one, an hour
// after a rate limit without one, otherwise a backoff doubling from the base up to an hour.
import type { AcmeError } from './acme-error.js';
import type { StoredCertificate } from './autocert-store.js';

/** A certificate Envoy serves for one host (CA-issued or the placeholder). */
export interface ServedCertificate {
  readonly host: string;
  readonly cert: string;
  readonly key: string;
}

export interface HostState {
  served: ServedCertificate;
  stored: StoredCertificate | undefined;
  failures: number;
  retryAt: number;
  lastError: string | undefined;
}

export const HOUR = 3_600_000;

export function newHostState(served: ServedCertificate): HostState {
  return { served, stored: undefined, failures: 0, retryAt: 0, lastError: undefined };
}

/** Serves a stored certificate; true when the served certificate changed. */
export function adoptCertificate(st: HostState, c: StoredCertificate): boolean {
  if (st.stored?.serial === c.serial && st.stored.renewAt === c.renewAt) return false;
  const changed = st.served.cert !== c.cert;
  st.stored = c;
  st.served = { host: c.host, cert: c.cert, key: c.key };
  return changed;
}

/** An order succeeded, or another replica's certificate is good: no failure pending. */
export function clearFailures(st: HostState): void {
  st.failures = 0;
  st.retryAt = 0;
  st.lastError = undefined;
}

/** Records a failed order (or account) for the host and sets when it is tried again. */
export function recordFailure(st: HostState, e: AcmeError, now: number, retryBaseMs: number): void {
  st.failures++;
  const backoff = Math.min(HOUR, retryBaseMs * 2 ** (st.failures - 1));
  st.retryAt = e.retryAt ?? now + (e.reason === 'rateLimited' ? HOUR : backoff);
  st.lastError = e.message;
}

/** The host needs an order: no certificate or one due for renewal, and no retry pending. */
export function isDue(st: HostState, now: number): boolean {
  return (st.stored === undefined || st.stored.renewAt <= now) && st.retryAt <= now;
}

/** The `autocert` health note: every failing host and what it serves meanwhile, or null. */
export function healthProblem(hosts: ReadonlyMap<string, HostState>, now: number): string | null {
  const failing = [...hosts].filter(([, s]) => s.lastError !== undefined);
  if (failing.length === 0) return null;
  return failing
    .map(
      ([h, s]) =>
        `${h}: ${s.lastError} (${s.stored && s.stored.notAfter > now ? 'the previous certificate keeps serving' : 'serving a self-signed placeholder'})`,
    )
    .join('; ');
}

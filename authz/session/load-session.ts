// The session behind a verified handle (docs/pomerium-behaviour.md §3.5 step 5, §6.4), read
// through the databroker cache; when it is usable is a wire rule (wire/session-validity.ts).
// Store failures propagate (STORE_UNAVAILABLE → 503), never "no session" (no login loop).

import type { RecordCache, Session } from '../../databroker/index.js';
import type { SessionHandleClaims } from '../../wire/index.js';
import { usableSession } from '../../wire/index.js';

export async function loadSession(
  cache: RecordCache,
  handle: SessionHandleClaims,
  now: number,
): Promise<Session | null> {
  return usableSession(await cache.getSession(handle.jti), handle, now);
}

/**
 * `loadSession` answered from memory only: undefined when the session is not cached (then the
 * async `loadSession` must answer; it may read the store or fail with STORE_UNAVAILABLE).
 */
export function peekSession(
  cache: RecordCache,
  handle: SessionHandleClaims,
  now: number,
): Session | null | undefined {
  const session = cache.peekSession(handle.jti);
  return session === undefined ? undefined : usableSession(session, handle, now);
}

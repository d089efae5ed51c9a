// Verifies session handles (HS256, exp, identity provider of the route) with a cache of tokens
// that verified: a hit only re-checks expiry and the route's idp id. Failures are not cached
// (a flood of junk tokens cannot fill memory), and a bad token means "no session".

import type { TokenCandidate } from '../../wire/index.js';
import { type SessionHandleClaims, verifySessionHandle } from '../../wire/index.js';
import { type CacheFigures, createBoundedCache } from '../lib/bounded-cache.js';

export interface TokenVerifier {
  /** The claims of the first candidate that verifies for this idp, or null. */
  verify(
    candidates: readonly TokenCandidate[],
    key: Uint8Array,
    idpId: string,
    now: number,
  ): { claims: SessionHandleClaims; source: TokenCandidate['source'] } | null;
  /** The verified-token cache (metrics). */
  readonly cache: CacheFigures;
  clear(): void;
}

export function createTokenVerifier(maxEntries = 100_000): TokenVerifier {
  const cache = createBoundedCache<SessionHandleClaims>('session_token', maxEntries);
  let cachedKey: Uint8Array | null = null;
  return {
    verify(candidates, key, idpId, now) {
      if (key !== cachedKey) {
        cache.clear();
        cachedKey = key;
      }
      for (const c of candidates) {
        let claims = cache.get(c.token);
        if (claims !== undefined) {
          if (claims.exp * 1000 <= now) {
            cache.expire(c.token);
            continue;
          }
        } else {
          try {
            claims = verifySessionHandle(c.token, key, { now });
          } catch {
            continue;
          }
          cache.set(c.token, claims);
        }
        if (claims.idp_id !== idpId) continue;
        return { claims, source: c.source };
      }
      return null;
    },
    cache,
    clear: () => cache.clear(),
  };
}

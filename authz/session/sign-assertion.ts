// The X-Pomerium-Jwt-Assertion (docs/pomerium-behaviour.md §4.1): ES256/RS256 with kid = JWK thumbprint, iss/aud
// = route hostname, 5-minute lifetime. Signed once per identity and audience and re-signed a
// minute before it expires (docs/architecture.md: deliberate difference), so the hot path does not sign.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { SigningKey } from '../../wire/index.js';
import { type CacheFigures, createBoundedCache } from '../lib/bounded-cache.js';

export const ASSERTION_TTL_S = 300;
const RESIGN_BEFORE_MS = 60_000;

/** The claims of an assertion except iat/exp/jti (those are set when signing). */
export type AssertionClaims = Readonly<Record<string, string | readonly string[]>>;

export interface AssertionSigner {
  /** The cached assertion for these claims if it is still fresh (no signing, synchronous). */
  peek(claimsKey: string, key: SigningKey, now: number): string | undefined;
  /** `claimsKey`: a string that identifies `claims` (default: their JSON). */
  sign(claims: AssertionClaims, key: SigningKey, now: number, claimsKey?: string): Promise<string>;
  /** The signed-assertion cache (metrics). */
  readonly cache: CacheFigures;
}

export function createAssertionSigner(maxEntries = 50_000): AssertionSigner {
  const cache = createBoundedCache<{ jwt: string; renewAt: number }>('assertion', maxEntries);
  const pending = new Map<string, Promise<string>>();
  /** The cached assertion while it is not due for re-signing (a due one is expired). */
  const fresh = (cacheKey: string, now: number): string | undefined => {
    const hit = cache.get(cacheKey);
    if (hit === undefined) return undefined;
    if (now < hit.renewAt) return hit.jwt;
    cache.expire(cacheKey);
    return undefined;
  };
  return {
    peek(claimsKey, key, now) {
      return fresh(`${key.kid}\u0000${claimsKey}`, now);
    },
    async sign(claims, key, now, claimsKey) {
      const cacheKey = `${key.kid}\u0000${claimsKey ?? JSON.stringify(claims)}`;
      const hit = fresh(cacheKey, now);
      if (hit !== undefined) return hit;
      const inflight = pending.get(cacheKey);
      if (inflight) return inflight;
      const iat = Math.floor(now / 1000);
      const p = new SignJWT({ ...claims, jti: randomUUID() } as Record<string, unknown>)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
        .setIssuedAt(iat)
        .setExpirationTime(iat + ASSERTION_TTL_S)
        .sign(key.privateKey)
        .then((jwt) => {
          cache.set(cacheKey, { jwt, renewAt: (iat + ASSERTION_TTL_S) * 1000 - RESIGN_BEFORE_MS });
          return jwt;
        })
        .finally(() => pending.delete(cacheKey));
      pending.set(cacheKey, p);
      return p;
    },
    cache,
  };
}

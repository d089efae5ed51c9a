// The IdP's signing keys (shared by authn's sign-in and authz's bearer tokens) (its JWKS), cached: fetched on first use, refetched when a token names
// a `kid` we do not know — at most once per cooldown (30 s), so a flood of unknown kids costs
// one fetch — and when the cache is older than ten minutes. The clock is injected.
import {
  type CryptoKey,
  createLocalJWKSet,
  type JWSHeaderParameters,
  type LocalJWKSet,
} from 'jose';
import { PortcullisError } from '../errors/index.js';

export interface IdpKeySetOptions {
  readonly jwksUri: string;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly timeoutMs?: number;
  /** Minimum time between two fetches caused by an unknown kid (default 30 s). */
  readonly cooldownMs?: number;
  /** Age after which the next use refetches (default 10 minutes). */
  readonly maxAgeMs?: number;
}

export interface IdpKeySet {
  /** A `jose` key resolver: the key for a JWS header, fetching the JWKS when allowed. */
  (header: JWSHeaderParameters): Promise<CryptoKey>;
  /** JWKS fetches made so far (tests and metrics). */
  readonly fetches: number;
}

/**
 * Asymmetric algorithms only, for every JWT the IdP hands us (ID tokens, logout tokens, signed
 * userinfo, bearer access tokens): `none` and HS* (keyed with public material) are refused.
 */
export const IDP_JWT_ALGORITHMS: readonly string[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** Clock skew tolerated on `exp`, `nbf` and `iat` (documented in README § Authentication). */
export const IDP_JWT_LEEWAY_S = 60;

export const JWKS_COOLDOWN_MS = 30_000;
const MAX_AGE_MS = 10 * 60_000;
const MAX_JWKS_BYTES = 256 * 1024;

function unavailable(message: string, cause?: unknown): PortcullisError {
  return new PortcullisError('AUTHN_IDP_UNAVAILABLE', message, { cause });
}

export function createIdpKeySet(options: IdpKeySetOptions): IdpKeySet {
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  const cooldown = options.cooldownMs ?? JWKS_COOLDOWN_MS;
  const maxAge = options.maxAgeMs ?? MAX_AGE_MS;
  let local: LocalJWKSet | null = null;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let attemptedAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<LocalJWKSet> | null = null;
  let fetches = 0;

  async function load(): Promise<LocalJWKSet> {
    attemptedAt = now();
    fetches++;
    let body: unknown;
    try {
      const res = await doFetch(options.jwksUri, {
        headers: { accept: 'application/json, application/jwk-set+json' },
        redirect: 'error',
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      if (res.status !== 200) throw new Error(`JWKS answered ${res.status}`);
      const text = await res.text();
      if (text.length > MAX_JWKS_BYTES) throw new Error('JWKS too large');
      body = JSON.parse(text);
    } catch (error) {
      throw unavailable('the IdP JWKS cannot be fetched', error);
    }
    try {
      local = createLocalJWKSet(body as Parameters<typeof createLocalJWKSet>[0]);
    } catch (error) {
      throw unavailable('the IdP JWKS is malformed', error);
    }
    fetchedAt = attemptedAt;
    return local;
  }

  function reload(): Promise<LocalJWKSet> {
    if (!inflight) {
      inflight = load().finally(() => {
        inflight = null;
      });
    }
    return inflight;
  }

  const keySet = async (header: JWSHeaderParameters): Promise<CryptoKey> => {
    const t = now();
    let set = local;
    if (set === null) {
      // a failed fetch is retried after a short pause, never on every token
      if (t - attemptedAt < 5_000 && inflight === null) {
        throw unavailable('the IdP JWKS is unavailable');
      }
      set = await reload();
    } else if (t - fetchedAt > maxAge && t - attemptedAt >= cooldown) {
      // stale: refresh, but an IdP that cannot answer now leaves us with the keys we had
      set = await reload().catch(() => set as LocalJWKSet);
    }
    try {
      return await set(header);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== 'ERR_JWKS_NO_MATCHING_KEY') throw error;
      if (inflight) return (await inflight)(header);
      if (now() - attemptedAt < cooldown) throw error;
      return (await reload())(header);
    }
  };
  return Object.defineProperty(keySet, 'fetches', { get: () => fetches }) as IdpKeySet;
}

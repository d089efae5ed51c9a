// Machine access (docs/machine-access.md, docs/pomerium-behaviour.md §3.5 step 3): on a route
// whose `bearer_token_format` is `idp_access_token` or `idp_identity_token`, an
// `Authorization: Bearer <token>` issued by the route's IdP becomes a session record, so that
// revocation, policy criteria and identity headers work as for a browser session.
//
// - JWTs are verified locally against the IdP's JWKS: asymmetric algorithms only
//   (wire/idp-key-set.ts), issuer, `exp` (required), `nbf`, `iat` not in the future.
// - Audience binding is per route and per request: the verified `aud` is kept with the cached
//   verdict and must meet the route's `idp_access_token_allowed_audiences` (else the global
//   list, else the client id); an ID token's audience is always the client id.
// - Opaque access tokens are asked of the IdP (RFC 7662 introspection when advertised, else
//   userinfo) once per distinct token, rate limited; refusals are cached too.
// - Verdicts are cached by SHA-256 of the token (never the token) until the token expires, in
//   two bounded maps so a flood of random tokens cannot evict the good ones.
// - The session id is derived from the token hash; if that session is deleted (revoked), the
//   token is refused until it expires.
import { hash } from 'node:crypto';
import type { Config } from '../../../config/index.js';
import type { RecordCache, RecordStore, Session } from '../../../databroker/index.js';
import { extractIdentity, type Identity, usableSession } from '../../../wire/index.js';
import type { RouteState } from '../../lib/authz-state.js';
import {
  type BoundedCache,
  type CacheFigures,
  createBoundedCache,
} from '../../lib/bounded-cache.js';
import type { BearerSettings } from './bearer-settings.js';
import { createIdpEndpointDirectory } from './idp-endpoints.js';
import {
  askIdp,
  audList,
  OPAQUE_TTL_MS,
  refuse,
  TokenRefused,
  unavailable,
  verifyJwt,
} from './verify-idp-token.js';

export type { BearerFormat, BearerSettings } from './bearer-settings.js';

/** A token the IdP vouches for (cached by token hash). */
interface Accepted {
  readonly ok: true;
  readonly identity: Identity;
  readonly aud: readonly string[];
  /** Epoch ms after which the verdict (and the session) no longer holds. */
  readonly until: number;
  readonly sessionId: string;
  /** False for opaque tokens whose audience the IdP did not tell. */
  readonly audienceKnown: boolean;
  /** The session record was written (its absence now means it was revoked). */
  written: boolean;
}

interface Refused {
  readonly ok: false;
  readonly description: string;
  readonly until: number;
}

type Verdict = Accepted | Refused;

/** The outcome for one request: a usable session, or an RFC 6750 refusal. */
export type BearerResult =
  | { readonly session: Session; readonly refused?: undefined }
  | { readonly refused: string; readonly session?: undefined };

/** The parts of a route the bearer settings are read from. */
export type BearerRoute = Pick<RouteState, 'route' | 'idpId'>;

export type BearerExplanation =
  | {
      readonly ok: true;
      readonly identity: Identity;
      readonly audience: readonly string[] | null;
      /** Epoch ms until which the verdict holds. */
      readonly until: number;
    }
  | { readonly ok: false; readonly description: string };

export interface BearerAuthenticatorOptions {
  readonly store: RecordStore;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  /** IdP calls for opaque tokens per second (token bucket; default 20, burst 100). */
  readonly idpCallsPerSecond?: number;
  readonly idpCallBurst?: number;
  /** Entries per verdict map (default 10,000 accepted and 10,000 refused). */
  readonly maxEntries?: number;
}

export interface BearerAuthenticator {
  /** The route's bearer settings, or null when its format is `default` / `jwt`. */
  settings(config: Config, route: BearerRoute): BearerSettings | null;
  /**
   * What the token would be on the route, without writing a session (`portcullis token
   * verify`): the identity the IdP vouches for, or which check failed.
   */
  explain(settings: BearerSettings, token: string): Promise<BearerExplanation>;
  /** Judges one token on one route (synchronous when the verdict and session are in memory). */
  authenticate(
    settings: BearerSettings,
    token: string,
    cache: RecordCache | null,
    openCache: () => Promise<RecordCache>,
    now: number,
  ): BearerResult | Promise<BearerResult>;
  /** IdP calls made for opaque tokens so far (tests, metrics). */
  readonly idpCalls: number;
  /** The verdict caches (metrics). */
  readonly caches: readonly CacheFigures[];
}

/** How long a refusal is remembered (a JWT's refusal never changes; an opaque token's may). */
export const REFUSAL_TTL_MS = 60_000;
const MAX_TOKEN_LENGTH = 16 * 1024;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function createBearerAuthenticator(
  options: BearerAuthenticatorOptions,
): BearerAuthenticator {
  const clock = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  const endpoints = createIdpEndpointDirectory(doFetch, clock);
  const max = options.maxEntries ?? 10_000;
  const accepted: BoundedCache<Accepted> = createBoundedCache('bearer_accepted', max);
  const refused: BoundedCache<Refused> = createBoundedCache('bearer_refused', max);
  const inflight = new Map<string, Promise<Verdict>>();
  const settingsMemo = new WeakMap<BearerRoute, BearerSettings | null>();
  const rate = options.idpCallsPerSecond ?? 20;
  const burst = options.idpCallBurst ?? 100;
  let tokens = burst;
  let refilledAt = clock();
  let idpCalls = 0;

  function takeIdpCall(): void {
    const t = clock();
    tokens = Math.min(burst, tokens + ((t - refilledAt) / 1000) * rate);
    refilledAt = t;
    if (tokens < 1) throw unavailable('too many opaque bearer tokens to validate: retry later');
    tokens -= 1;
    idpCalls++;
  }

  function settings(config: Config, route: BearerRoute): BearerSettings | null {
    const memo = settingsMemo.get(route);
    if (memo !== undefined) return memo;
    const format = route.route.bearer_token_format ?? config.bearer_token_format;
    let out: BearerSettings | null = null;
    if (format === 'idp_access_token' || format === 'idp_identity_token') {
      const clientId = route.route.idp_client_id || config.idp_client_id || '';
      const listed =
        route.route.idp_access_token_allowed_audiences ?? config.idp_access_token_allowed_audiences;
      out = {
        format,
        idpId: route.idpId,
        providerUrl: config.idp_provider_url ?? '',
        clientId,
        clientSecret: route.route.idp_client_secret || config.idp_client_secret || '',
        audiences:
          format === 'idp_identity_token' || listed === undefined || listed.length === 0
            ? [clientId]
            : [...listed],
        groupsClaim: config.groups_claim,
        // Entra's stable user id is `oid` (as authn's provider presets)
        userIdClaim: (config.idp_provider ?? '').toLowerCase() === 'azure' ? 'oid' : 'sub',
        trustUnverifiedEmail: config.idp_trust_unverified_email === true,
      };
    }
    settingsMemo.set(route, out);
    return out;
  }

  async function verify(s: BearerSettings, token: string, key: string): Promise<Verdict> {
    const now = clock();
    try {
      if (token.length > MAX_TOKEN_LENGTH) refuse('the token is too long');
      if (s.providerUrl === '') refuse('no identity provider is configured');
      const idp = await endpoints.get(s.providerUrl);
      let payload: Record<string, unknown>;
      let until: number;
      let aud: string[] | null;
      if (JWT_SHAPE.test(token)) {
        const v = await verifyJwt(s, token, idp, now);
        payload = v.payload as Record<string, unknown>;
        until = v.until;
        aud = audList(v.payload.aud);
      } else if (s.format === 'idp_identity_token') {
        refuse('an identity token must be a JWT');
      } else {
        ({ payload, until, aud } = await askIdp(s, token, idp, now, doFetch, takeIdpCall));
      }
      const identity = extractIdentity(payload, undefined, {
        userIdClaim: s.userIdClaim,
        groupsClaim: s.groupsClaim,
        trustUnverifiedEmail: s.trustUnverifiedEmail,
      });
      if (identity.userId === '') refuse('the token names no usable user');
      const verdict: Accepted = {
        ok: true,
        identity,
        aud: aud ?? [],
        audienceKnown: aud !== null,
        until,
        sessionId: `bearer-${key.slice(0, 43)}`,
        written: false,
      };
      accepted.set(key, verdict);
      return verdict;
    } catch (error) {
      if (!(error instanceof TokenRefused)) throw error;
      const verdict: Refused = {
        ok: false,
        description: error.message,
        until: now + REFUSAL_TTL_MS,
      };
      refused.set(key, verdict);
      return verdict;
    }
  }

  async function writeSession(s: BearerSettings, v: Accepted, now: number): Promise<Session> {
    const { identity } = v;
    const session: Session = {
      id: v.sessionId,
      user_id: identity.userId,
      idp_id: s.idpId,
      issued_at: now,
      accessed_at: now,
      expires_at: Number.isFinite(v.until)
        ? Math.max(now + 1, Math.floor(v.until))
        : now + OPAQUE_TTL_MS,
      oauth_token: null,
      id_token: null,
      claims: identity.claims,
      audience: [...v.aud],
      groups: [...identity.groups],
    };
    // A user record a sign-in wrote stays as it is (an access token usually carries fewer claims
    // than the ID token did); the token only fills an email the record lacks. Its own claims
    // live in the session, which wins over the user's claims in the policy's view.
    const existing = (await options.store.get('user', identity.userId))?.data;
    const user =
      existing === undefined || existing === null
        ? {
            id: identity.userId,
            email: identity.email,
            name: identity.name,
            claims: identity.claims,
          }
        : existing.email === '' && identity.email !== ''
          ? { ...existing, email: identity.email }
          : null;
    await options.store.put([
      ...(user === null ? [] : [{ type: 'user' as const, id: identity.userId, data: user }]),
      { type: 'session', id: session.id, data: session },
    ]);
    v.written = true;
    return session;
  }

  /** The verdict on this route: the audience binding is judged per request. */
  function judge(s: BearerSettings, v: Accepted): string | null {
    if (!v.audienceKnown) return null;
    return v.aud.some((a) => s.audiences.includes(a))
      ? null
      : "the token's audience is not accepted on this route";
  }

  function fromSession(
    s: BearerSettings,
    key: string,
    v: Accepted,
    found: Session | null,
    now: number,
  ): BearerResult | null {
    const session = usableSession(found, { sub: v.identity.userId, idp_id: s.idpId }, now);
    if (session !== null) return { session };
    if (v.written) {
      // the session made for this token was deleted: revoked until the token expires
      accepted.delete(key);
      refused.set(key, {
        ok: false,
        description: 'the session of this token was revoked',
        until: v.until,
      });
      return { refused: 'the session of this token was revoked' };
    }
    return null;
  }

  async function settle(
    s: BearerSettings,
    key: string,
    v: Verdict,
    openCache: () => Promise<RecordCache>,
  ): Promise<BearerResult> {
    if (!v.ok) return { refused: v.description };
    const wrong = judge(s, v);
    if (wrong !== null) return { refused: wrong };
    const cache = await openCache();
    const found = v.written ? await cache.getSession(v.sessionId) : null;
    const out = fromSession(s, key, v, found, clock());
    if (out !== null) return out;
    return { session: await writeSession(s, v, clock()) };
  }

  // One-shot SHA-256 (no Hash object per request): the only Bearer-only work on a cached
  // verdict besides two Map lookups (docs/performance.md "Bearer vs cookie").
  const hashOf = (s: BearerSettings, token: string): string =>
    hash('sha256', `${s.format}\0${s.idpId}\0${token}`, 'base64url');

  return {
    caches: [accepted, refused],
    settings,
    async explain(s, token) {
      const v = await verify(s, token, hashOf(s, token));
      if (!v.ok) return { ok: false, description: v.description };
      const wrong = judge(s, v);
      if (wrong !== null) return { ok: false, description: wrong };
      return {
        ok: true,
        identity: v.identity,
        audience: v.audienceKnown ? v.aud : null,
        until: v.until,
      };
    },
    get idpCalls() {
      return idpCalls;
    },
    authenticate(s, token, cache, openCache, now) {
      const key = hashOf(s, token);
      const no = refused.get(key);
      if (no !== undefined && now < no.until) return { refused: no.description };
      const yes = accepted.get(key);
      if (yes !== undefined && now < yes.until) {
        const wrong = judge(s, yes);
        if (wrong !== null) return { refused: wrong };
        if (yes.written && cache !== null) {
          const peeked = cache.peekSession(yes.sessionId);
          if (peeked !== undefined) {
            const out = fromSession(s, key, yes, peeked, now);
            if (out !== null) return out;
          }
        }
        return settle(s, key, yes, openCache);
      }
      let p = inflight.get(key);
      if (p === undefined) {
        p = verify(s, token, key).finally(() => inflight.delete(key));
        inflight.set(key, p);
      }
      return p.then((v) => settle(s, key, v, openCache));
    },
  };
}

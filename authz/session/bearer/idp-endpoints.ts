// The IdP's endpoints authz needs for bearer tokens (docs/machine-access.md): its issuer, JWKS
// (one shared key set per IdP, wire/idp-key-set.ts), userinfo and RFC 7662 introspection when
// advertised. Read once from OIDC discovery; a failed read is retried after a short pause, never
// on every request (the Check then fails closed with 503).
import { PortcullisError } from '../../../errors/index.js';
import { createIdpKeySet, type IdpKeySet } from '../../../wire/index.js';

export interface IdpEndpoints {
  readonly issuer: string;
  readonly keySet: IdpKeySet;
  readonly userinfo: string | null;
  readonly introspection: string | null;
}

const RETRY_MS = 5_000;
const MAX_DISCOVERY_BYTES = 256 * 1024;

function unavailable(message: string, cause?: unknown): PortcullisError {
  return new PortcullisError('AUTHN_IDP_UNAVAILABLE', message, { cause });
}

function httpsOrLocal(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

async function discover(
  providerUrl: string,
  doFetch: typeof fetch,
  now: () => number,
): Promise<IdpEndpoints> {
  const base = providerUrl.replace(/\/+$/, '');
  let doc: Record<string, unknown>;
  try {
    const res = await doFetch(`${base}/.well-known/openid-configuration`, {
      headers: { accept: 'application/json' },
      redirect: 'error',
      signal: AbortSignal.timeout(10_000),
    });
    if (res.status !== 200) throw new Error(`discovery answered ${res.status}`);
    const text = await res.text();
    if (text.length > MAX_DISCOVERY_BYTES) throw new Error('discovery document too large');
    doc = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw unavailable('the IdP discovery document cannot be read', error);
  }
  const issuer = doc.issuer;
  // the issuer must be the configured provider (OIDC Discovery §4.3), as authn's discovery checks
  if (typeof issuer !== 'string' || issuer.replace(/\/+$/, '') !== base) {
    throw unavailable('the IdP discovery document names another issuer');
  }
  const jwksUri = httpsOrLocal(doc.jwks_uri);
  if (jwksUri === null) throw unavailable('the IdP discovery document has no jwks_uri');
  return {
    issuer,
    keySet: createIdpKeySet({ jwksUri, fetch: doFetch, now }),
    userinfo: httpsOrLocal(doc.userinfo_endpoint),
    introspection: httpsOrLocal(doc.introspection_endpoint),
  };
}

export interface IdpEndpointDirectory {
  /** The endpoints of the IdP at `providerUrl` (discovered once, shared by every route). */
  get(providerUrl: string): Promise<IdpEndpoints>;
  /** The endpoints if already discovered (the synchronous hot path). */
  peek(providerUrl: string): IdpEndpoints | undefined;
}

export function createIdpEndpointDirectory(
  doFetch: typeof fetch = fetch,
  now: () => number = Date.now,
): IdpEndpointDirectory {
  const known = new Map<string, IdpEndpoints>();
  const pending = new Map<string, Promise<IdpEndpoints>>();
  const failedAt = new Map<string, number>();
  return {
    peek: (providerUrl) => known.get(providerUrl),
    get(providerUrl) {
      const hit = known.get(providerUrl);
      if (hit) return Promise.resolve(hit);
      const inflight = pending.get(providerUrl);
      if (inflight) return inflight;
      const failed = failedAt.get(providerUrl);
      if (failed !== undefined && now() - failed < RETRY_MS) {
        return Promise.reject(unavailable('the IdP discovery document is unavailable'));
      }
      const p = discover(providerUrl, doFetch, now).then(
        (endpoints) => {
          known.set(providerUrl, endpoints);
          pending.delete(providerUrl);
          return endpoints;
        },
        (error: unknown) => {
          failedAt.set(providerUrl, now());
          pending.delete(providerUrl);
          throw error;
        },
      );
      pending.set(providerUrl, p);
      return p;
    },
  };
}

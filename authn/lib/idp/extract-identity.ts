// Turns verified ID-token claims plus userinfo into the identity Portcullis stores: user id
// (preset claim), email, name, groups (configured claim), flattened claims (reference §6.4).
import type { Claims } from '../../../databroker/index.js';

export interface Identity {
  readonly userId: string;
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
  /** Every claim as a list of values (scalars wrapped), protocol-only claims dropped. */
  readonly claims: Claims;
}

const PROTOCOL_ONLY = new Set([
  'nonce',
  'at_hash',
  'c_hash',
  's_hash',
  '_claim_names',
  '_claim_sources',
]);

function asGroups(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : value.split(',').map((s) => s.trim());
  if (Array.isArray(value)) {
    return value.flatMap((v) => {
      if (typeof v === 'string') return [v];
      // some IdPs send group objects ({id, name})
      if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        const name = o.name ?? o.id;
        return typeof name === 'string' ? [name] : [];
      }
      return [];
    });
  }
  return [];
}

function readPath(claims: Record<string, unknown>, name: string): unknown {
  if (name in claims) return claims[name];
  // dotted path into nested objects (e.g. Keycloak `realm_access.roles`)
  let cur: unknown = claims;
  for (const part of name.split('.')) {
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * Merges ID-token claims with userinfo (the ID token wins for `sub`, `iss` and `aud`) and
 * extracts the identity. Throws nothing: a missing user-id claim falls back to `sub`.
 */
export function extractIdentity(
  idTokenClaims: Record<string, unknown>,
  userinfo: Record<string, unknown> | undefined,
  options: { readonly userIdClaim: string; readonly groupsClaim: string },
): Identity {
  const merged: Record<string, unknown> = { ...(userinfo ?? {}), ...idTokenClaims };
  // userinfo may carry fresher profile data; keep ID-token protocol claims authoritative
  for (const [k, v] of Object.entries(userinfo ?? {})) {
    if (!['sub', 'iss', 'aud', 'exp', 'iat', 'nonce'].includes(k)) merged[k] = v;
  }
  const uid = readPath(merged, options.userIdClaim);
  const userId = typeof uid === 'string' && uid !== '' ? uid : String(merged.sub ?? '');
  const claims: Claims = {};
  for (const [k, v] of Object.entries(merged)) {
    if (PROTOCOL_ONLY.has(k) || v === undefined) continue;
    claims[k] = Array.isArray(v) ? v : [v];
  }
  const groups = [...new Set(asGroups(readPath(merged, options.groupsClaim)))];
  return {
    userId,
    email: typeof merged.email === 'string' ? merged.email : '',
    name: typeof merged.name === 'string' ? merged.name : '',
    groups,
    claims,
  };
}

// The one identity canonicaliser between the IdP and the databroker: verified ID-token claims
// plus userinfo become the identity Portcullis stores. Every rule lives here:
// - unsafe keys (`__proto__`, `constructor`, `prototype`) are dropped at every depth;
// - every string is made storable (lone surrogates and NUL → U+FFFD), never a 500 at write;
// - claim values are strictly typed: groups are the string members of the configured claim (a
//   string is ONE group, never split; anything else is dropped and reported);
// - the email is canonical (wire/identity-strings.ts) and counts only when `email_verified` is
//   `true`, unless `idp_trust_unverified_email` is set.
import type { Claims } from '../databroker/index.js';
import { canonicalEmail, storableString } from './identity-strings.js';

export interface Identity {
  readonly userId: string;
  /** Canonical, verified email ('' when absent, malformed or unverified). */
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
  /** Every claim as a list of values (scalars wrapped), protocol-only claims dropped. */
  readonly claims: Claims;
  /** What was dropped on the way and why (to be logged; never stored). */
  readonly dropped: readonly string[];
}

export interface IdentityOptions {
  readonly userIdClaim: string;
  readonly groupsClaim: string;
  readonly trustUnverifiedEmail?: boolean;
}

const PROTOCOL_ONLY = new Set([
  'nonce',
  'at_hash',
  'c_hash',
  's_hash',
  '_claim_names',
  '_claim_sources',
]);
/** ID-token claims userinfo may not override. */
const ID_TOKEN_WINS = new Set(['sub', 'iss', 'aud', 'exp', 'iat', 'nbf', 'nonce', 'azp']);
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 8;
const MAX_STRING = 16 * 1024;
const MAX_KEYS = 256;
const MAX_ITEMS = 1024;
/** Record ids are at most 512 characters (databroker/lib/validate-record.ts). */
const MAX_USER_ID = 512;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A JSON value made safe to store; undefined when it must be dropped (reason in `dropped`). */
function clean(value: unknown, path: string, depth: number, dropped: string[]): Json | undefined {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string') {
    if (value.length > MAX_STRING) {
      dropped.push(`${path}: string too long`);
      return undefined;
    }
    return storableString(value);
  }
  if (depth >= MAX_DEPTH) {
    dropped.push(`${path}: nested too deep`);
    return undefined;
  }
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (const item of value.slice(0, MAX_ITEMS)) {
      const c = clean(item, `${path}[]`, depth + 1, dropped);
      if (c !== undefined) out.push(c);
    }
    if (value.length > MAX_ITEMS) dropped.push(`${path}: more than ${MAX_ITEMS} items`);
    return out;
  }
  if (typeof value === 'object') {
    const out: { [k: string]: Json } = Object.create(null);
    let n = 0;
    for (const key of Object.keys(value)) {
      if (UNSAFE_KEYS.has(key)) {
        dropped.push(`${path}.${key}: unsafe key`);
        continue;
      }
      if (++n > MAX_KEYS) {
        dropped.push(`${path}: more than ${MAX_KEYS} keys`);
        break;
      }
      const c = clean(
        (value as Record<string, unknown>)[key],
        `${path}.${key}`,
        depth + 1,
        dropped,
      );
      if (c !== undefined) out[storableString(key)] = c;
    }
    return out;
  }
  dropped.push(`${path}: not JSON`);
  return undefined;
}

/** Own-property lookup, then a dotted path into nested objects (e.g. `realm_access.roles`). */
function readPath(claims: Readonly<Record<string, Json>>, name: string): Json | undefined {
  if (Object.hasOwn(claims, name)) return claims[name];
  let cur: Json | undefined = claims;
  for (const part of name.split('.')) {
    if (cur === null || typeof cur !== 'object' || Array.isArray(cur)) return undefined;
    if (!Object.hasOwn(cur, part)) return undefined;
    cur = (cur as Record<string, Json>)[part];
  }
  return cur;
}

/** Groups strictly by type: a string is one group, a list keeps its string members. */
function readGroups(value: Json | undefined, claim: string, dropped: string[]): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value)) {
    const out: string[] = [];
    for (const v of value) {
      if (typeof v === 'string' && v !== '') out.push(v);
      else dropped.push(`${claim}: a ${v === null ? 'null' : typeof v} member is not a group`);
    }
    return out;
  }
  dropped.push(`${claim}: a ${typeof value} is not a list of groups`);
  return [];
}

/**
 * Merges verified ID-token claims with userinfo (the ID token wins for the protocol claims) and
 * canonicalises the result. Throws nothing; an empty `userId` means the token named no usable
 * user (the caller refuses the sign-in).
 */
export function extractIdentity(
  idTokenClaims: Record<string, unknown>,
  userinfo: Record<string, unknown> | undefined,
  options: IdentityOptions,
): Identity {
  const dropped: string[] = [];
  const fromToken = clean(idTokenClaims, 'id_token', 0, dropped) as Record<string, Json>;
  const fromInfo = (userinfo ? clean(userinfo, 'userinfo', 0, dropped) : null) as Record<
    string,
    Json
  > | null;
  const merged: Record<string, Json> = Object.create(null);
  for (const [k, v] of Object.entries(fromToken)) merged[k] = v;
  for (const [k, v] of Object.entries(fromInfo ?? {})) {
    if (!ID_TOKEN_WINS.has(k)) merged[k] = v;
  }

  const uid = readPath(merged, options.userIdClaim);
  const sub = merged.sub;
  const rawUserId =
    typeof uid === 'string' && uid !== '' ? uid : typeof sub === 'string' ? sub : '';
  const userId = rawUserId.length > MAX_USER_ID ? '' : rawUserId;

  const claims: Claims = {};
  for (const [k, v] of Object.entries(merged)) {
    if (PROTOCOL_ONLY.has(k)) continue;
    Object.defineProperty(claims, k, {
      value: Array.isArray(v) ? v : [v],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  const groups = [
    ...new Set(readGroups(readPath(merged, options.groupsClaim), options.groupsClaim, dropped)),
  ];

  const email = canonicalEmail(merged.email);
  if (merged.email !== undefined && email === '') dropped.push('email: not one canonical address');
  const verified = merged.email_verified === true || options.trustUnverifiedEmail === true;
  if (email !== '' && !verified) dropped.push('email: not verified (email_verified is not true)');
  return {
    userId,
    email: verified ? email : '',
    name: typeof merged.name === 'string' ? merged.name : '',
    groups,
    claims,
    dropped,
  };
}

// The tokens the MCP authorization server mints (docs/mcp.md): access tokens (RFC 9068 shape,
// HS256 under a key of their own) and the short pass authz hands authn when the route's policy
// allowed the authorize step. One header per kind, compared byte for byte after the MAC: no
// `alg` is ever read from a token (no alg confusion), and neither kind verifies as the other or
// as a session handle (other key, other `typ`).
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export type McpTokenKind = 'access' | 'authorize';

const TYP: Record<McpTokenKind, string> = { access: 'at+jwt', authorize: 'portcullis-mcp-pass' };
const HEADERS: Record<McpTokenKind, string> = {
  access: Buffer.from(JSON.stringify({ alg: 'HS256', typ: TYP.access })).toString('base64url'),
  authorize: Buffer.from(JSON.stringify({ alg: 'HS256', typ: TYP.authorize })).toString(
    'base64url',
  ),
};
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const MAX_LENGTH = 4096;

/** How long an access token lives (short: refresh tokens renew it). */
export const ACCESS_TOKEN_TTL_S = 300;
/** How long an authorization code may wait for its redemption. */
export const CODE_TTL_MS = 60_000;

/** The MCP keys, derived from the session key (itself derived from shared_secret). */
export function mcpKeys(sessionKey: Uint8Array): Record<McpTokenKind, Uint8Array> {
  const k = (info: string) =>
    new Uint8Array(hkdfSync('sha256', sessionKey, 'portcullis mcp v1', info, 32));
  return { access: k('access-token'), authorize: k('authorize-pass') };
}

const mac = (input: string, key: Uint8Array): Buffer =>
  createHmac('sha256', key).update(input).digest();

export function signMcpToken(
  kind: McpTokenKind,
  claims: Record<string, unknown>,
  key: Uint8Array,
): string {
  const input = `${HEADERS[kind]}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${mac(input, key).toString('base64url')}`;
}

/** The claims of a token of this kind whose MAC, header and `exp` hold; else null. */
export function verifyMcpToken(
  kind: McpTokenKind,
  token: string,
  key: Uint8Array,
  nowMs: number,
): Record<string, unknown> | null {
  if (typeof token !== 'string' || token.length > MAX_LENGTH) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts as [string, string, string];
  if (!SEGMENT.test(h) || !SEGMENT.test(p) || !SEGMENT.test(s)) return null;
  const expected = mac(`${h}.${p}`, key);
  const given = Buffer.from(s, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
  if (h !== HEADERS[kind]) return null;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) return null;
  const c = claims as Record<string, unknown>;
  if (typeof c.exp !== 'number' || !Number.isFinite(c.exp) || c.exp * 1000 <= nowMs) return null;
  return c;
}

/** Whether a bearer token claims to be one of our access tokens (its header says so). */
export function looksLikeMcpAccessToken(token: string): boolean {
  return token.startsWith(`${HEADERS.access}.`);
}

/** An opaque random secret (codes, refresh tokens, client ids). */
export const randomSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url');

/** How secrets are stored: never the secret, its SHA-256. */
export const hashSecret = (secret: string): string =>
  createHash('sha256').update(secret).digest('base64url');

/** The claims of an access token (docs/mcp.md). */
export interface McpAccessClaims {
  readonly iss: string;
  /** The resource (RFC 8707) the token is for. */
  readonly aud: string;
  readonly sub: string;
  /** Session id (the databroker session that backs the token). */
  readonly sid: string;
  /** Grant id (the refresh token family). */
  readonly gid: string;
  readonly idp_id: string;
  readonly client_id: string;
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
}

/** The access token claims, or null when the token is not a valid one of ours. */
export function readAccessToken(
  token: string,
  key: Uint8Array,
  nowMs: number,
): McpAccessClaims | null {
  const c = verifyMcpToken('access', token, key, nowMs);
  if (c === null) return null;
  for (const k of ['iss', 'aud', 'sub', 'sid', 'gid', 'idp_id', 'client_id', 'jti']) {
    if (typeof c[k] !== 'string' || c[k] === '') return null;
  }
  if (typeof c.iat !== 'number') return null;
  return c as unknown as McpAccessClaims;
}

/**
 * Whether a token for `aud` may be used at `url` (RFC 8707): the same origin, and the request
 * path is the resource's path or below it at a segment boundary.
 */
export function audienceCovers(aud: string, url: URL): boolean {
  let a: URL;
  try {
    a = new URL(aud);
  } catch {
    return false;
  }
  if (a.origin !== url.origin) return false;
  const base = a.pathname.replace(/\/+$/, '');
  if (base === '') return true;
  return url.pathname === base || url.pathname.startsWith(`${base}/`);
}

const keyMemo = new WeakMap<Uint8Array, Record<McpTokenKind, Uint8Array>>();

/** `mcpKeys`, derived once per session key. */
export function mcpKeysOf(sessionKey: Uint8Array): Record<McpTokenKind, Uint8Array> {
  let k = keyMemo.get(sessionKey);
  if (k === undefined) {
    k = mcpKeys(sessionKey);
    keyMemo.set(sessionKey, k);
  }
  return k;
}

/** The header authz sets on an authorize request the route's policy allowed (authn reads it). */
export const AUTHORIZE_PASS_HEADER = 'x-portcullis-mcp-authorize-pass';
/** How long the pass holds (it travels from authz to authn through Envoy at once). */
export const AUTHORIZE_PASS_TTL_S = 60;

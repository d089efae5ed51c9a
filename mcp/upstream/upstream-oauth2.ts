// The OAuth 2.0 client side of `mcp: server: upstream_oauth2:` (docs/mcp.md "Upstream OAuth"):
// for an upstream MCP server that needs its own token, Portcullis runs the authorization code
// flow with PKCE S256 (RFC 6749 §4.1, RFC 7636) once per user, refreshes the token (RFC 6749
// §6) and attaches it upstream. Pure functions: the requests to make and the reading of the
// answers; authz does the I/O (authz/mcp/upstream-tokens.ts).
import { createHash, randomBytes } from 'node:crypto';
import type { Route } from '../../config/index.js';

export type UpstreamOAuth2 = NonNullable<
  NonNullable<NonNullable<Route['mcp']>['server']>['upstream_oauth2']
>;

/** The token set kept for one user and route (sealed before it reaches the databroker). */
export interface UpstreamTokenSet {
  readonly access_token: string;
  readonly token_type: string;
  /** '' when the provider gave none. */
  readonly refresh_token: string;
  /** Epoch ms; 0 = the provider did not say. */
  readonly expires_at: number;
}

/** The upstream OAuth settings of a route, or undefined. */
export function upstreamOAuth2Of(route: Route): UpstreamOAuth2 | undefined {
  return route.mcp?.server?.upstream_oauth2;
}

/** A PKCE verifier (43 characters of base64url) and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The authorization URL the user's browser is sent to. */
export function authorizeUrl(
  s: UpstreamOAuth2,
  p: { redirectUri: string; state: string; challenge: string },
): string {
  const url = new URL(s.endpoint.auth_url);
  for (const [k, v] of Object.entries(s.authorization_url_params ?? {})) url.searchParams.set(k, v);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', s.client_id);
  url.searchParams.set('redirect_uri', p.redirectUri);
  if ((s.scopes ?? []).length > 0) url.searchParams.set('scope', s.scopes!.join(' '));
  url.searchParams.set('state', p.state);
  url.searchParams.set('code_challenge', p.challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

export interface TokenRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A token endpoint request (authorization_code or refresh_token grant) with client auth. */
export function tokenRequest(s: UpstreamOAuth2, grant: Record<string, string>): TokenRequest {
  const form = new URLSearchParams(grant);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  const style = (s.endpoint.auth_style ?? '').toLowerCase().replace(/^oauth2_auth_style_/, '');
  if (s.client_secret === undefined || s.client_secret === '') {
    form.set('client_id', s.client_id); // a public client
  } else if (style === 'in_params' || style === 'params') {
    form.set('client_id', s.client_id);
    form.set('client_secret', s.client_secret);
  } else {
    // RFC 6749 §2.3.1: form-encoded id and secret in HTTP Basic
    const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
    const basic = Buffer.from(`${enc(s.client_id)}:${enc(s.client_secret)}`).toString('base64');
    headers.authorization = `Basic ${basic}`;
  }
  return { url: s.endpoint.token_url, headers, body: form.toString() };
}

/** RFC 6750 §2.1 b64token: what an `Authorization: Bearer` value may hold (no header injection). */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/** Reads a token endpoint answer; a string says why it is not a usable token set. */
export function readTokenResponse(
  status: number,
  text: string,
  now: number,
  previous?: UpstreamTokenSet,
): UpstreamTokenSet | string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `the token endpoint answered ${status} without JSON`;
  }
  const b = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  if (status !== 200) {
    const error = typeof b.error === 'string' ? b.error.slice(0, 64) : `status ${status}`;
    return `the token endpoint refused: ${error.replace(/[^\x20-\x7e]/g, '?')}`;
  }
  const token = b.access_token;
  if (typeof token !== 'string' || token === '' || token.length > 16_384 || !B64TOKEN.test(token)) {
    return 'the token endpoint gave no usable access_token';
  }
  const type = typeof b.token_type === 'string' ? b.token_type : 'Bearer';
  if (type.toLowerCase() !== 'bearer') return `token_type ${type.slice(0, 32)} is not Bearer`;
  const expiresIn = typeof b.expires_in === 'number' ? b.expires_in : Number(b.expires_in ?? 0);
  const refresh =
    typeof b.refresh_token === 'string' && b.refresh_token !== ''
      ? b.refresh_token
      : (previous?.refresh_token ?? ''); // RFC 6749 §6: the old one stays when none is issued
  return {
    access_token: token,
    token_type: 'Bearer',
    refresh_token: refresh,
    expires_at: Number.isFinite(expiresIn) && expiresIn > 0 ? now + expiresIn * 1000 : 0,
  };
}

// `mcp: server: upstream_oauth2:` in authz (docs/mcp.md "Upstream OAuth"): the per-user token of
// an upstream MCP server that needs its own OAuth sign-in.
//   - connect and callback (upstream-connect.ts) store the token set in the databroker, sealed
//     with AES-256-GCM (wire/crypto/seal-payload.ts) under a key derived from shared_secret and
//     bound to route and user: a record copied to another user or route does not open;
//   - every allowed request on the route: the token is read (change-fed cache), refreshed when it
//     expires (one refresh per user and route at a time; a rotated refresh token replaces the old
//     one) and set as `Authorization: Bearer …` on the upstream request by the OK answer. No token
//     (or one that no longer opens or refreshes): a JSON-RPC error naming the connect URL (a
//     browser is sent there). The token never reaches the client.
import { hkdfSync } from 'node:crypto';
import { isLoopbackHost } from '../../config/index.js';
import type { McpUpstreamToken } from '../../databroker/index.js';
import {
  jsonRpcDenial,
  readTokenResponse,
  tokenRequest,
  type UpstreamOAuth2,
  type UpstreamTokenSet,
  upstreamOAuth2Of,
} from '../../mcp/index.js';
import { decodeSecret, openPayload, sealPayload } from '../../wire/index.js';
import type { RouteState } from '../lib/authz-state.js';
import type { AllowResponse, AuthzResponse, DenyResponse } from '../lib/authz-types.js';
import type { CheckContext } from '../lib/check-context.js';
import { answer } from '../respond/answer-mcp.js';

export const CONNECT_PATH = '/.pomerium/mcp/upstream/connect';
export const CALLBACK_PATH = '/.pomerium/mcp/upstream/callback';
/** JSON-RPC server error: the user has not connected the upstream yet (or must again). */
export const UPSTREAM_NOT_CONNECTED = -32003;
/** A token this close to its expiry is refreshed first. */
const EXPIRY_SKEW_MS = 30_000;
const TOKEN_TIMEOUT_MS = 10_000;
const RECORD = 'mcp_upstream_token';

const keys = new Map<string, Uint8Array>();
export function keyOf(sharedSecret: string, label: string): Uint8Array {
  const k = `${label}\0${sharedSecret}`;
  let key = keys.get(k);
  if (key === undefined) {
    const ikm = decodeSecret(sharedSecret, 'shared_secret');
    key = new Uint8Array(hkdfSync('sha256', ikm, 'portcullis mcp v1', label, 32));
    if (keys.size > 8) keys.clear();
    keys.set(k, key);
  }
  return key;
}
const tokenKey = (ctx: CheckContext) =>
  keyOf(ctx.state.config.shared_secret ?? '', 'upstream-token');
const tokenPurpose = (routeId: string, userId: string) =>
  `portcullis mcp upstream token v1\0${routeId}\0${userId}`;

export const recordId = (routeId: string, userId: string) => `${routeId}|${userId}`;

/** Seals a token set for this route and user (exported for tests of the at-rest format). */
export function sealTokenSet(
  sharedSecret: string,
  routeId: string,
  userId: string,
  t: UpstreamTokenSet,
): string {
  return sealPayload(
    keyOf(sharedSecret, 'upstream-token'),
    JSON.stringify(t),
    tokenPurpose(routeId, userId),
  );
}

function openTokenSet(ctx: CheckContext, rec: McpUpstreamToken): UpstreamTokenSet | null {
  try {
    const t = JSON.parse(
      openPayload(tokenKey(ctx), rec.sealed, tokenPurpose(rec.route_id, rec.user_id)),
    ) as UpstreamTokenSet;
    return typeof t.access_token === 'string' && t.access_token !== '' ? t : null;
  } catch {
    return null;
  }
}

/** The origin of the route (its `from`: scheme, host and port), where connect and callback live. */
export const originOf = (route: RouteState) => new URL(route.route.from).origin;

export function connectUrl(route: RouteState): string {
  return `${originOf(route)}${CONNECT_PATH}?route=${encodeURIComponent(route.id)}`;
}

/** The upstream is not connected for this user: a JSON-RPC error with the URL (browsers: 302). */
export function connectNeeded(ctx: CheckContext, route: RouteState, why: string): DenyResponse {
  const url = connectUrl(route);
  if (/\btext\/html\b/.test(ctx.req.http.headers.accept ?? '') && ctx.req.http.method === 'GET') {
    return answer(ctx, 302, [['location', url]], '');
  }
  const body = JSON.parse(
    jsonRpcDenial(
      `${why}: open ${url} in a browser to connect it`,
      { requestId: ctx.req.requestId },
      UPSTREAM_NOT_CONNECTED,
    ),
  ) as { error: { data: Record<string, unknown> } };
  body.error.data.connect_url = url;
  return answer(ctx, 403, [['content-type', 'application/json']], JSON.stringify(body));
}

export function checkEndpoint(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'not a URL';
  }
  if (u.protocol === 'https:') return null;
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname.replace(/^\[|\]$/g, ''))) return null;
  return 'must be https (http only on loopback)';
}

export async function callTokenEndpoint(
  s: UpstreamOAuth2,
  grant: Record<string, string>,
  now: number,
  previous?: UpstreamTokenSet,
): Promise<UpstreamTokenSet | string> {
  const bad = checkEndpoint(s.endpoint.token_url);
  if (bad !== null) return `token_url ${bad}`;
  const req = tokenRequest(s, grant);
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      redirect: 'error',
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
  } catch {
    return 'the token endpoint cannot be reached';
  }
  const body = await res.text().catch(() => '');
  if (body.length > 65_536) return 'the token endpoint answer is too large';
  return readTokenResponse(res.status, body, now, previous);
}

export async function store(
  ctx: CheckContext,
  route: RouteState,
  userId: string,
  t: UpstreamTokenSet,
): Promise<void> {
  const st = ctx.deps.store;
  if (st === undefined) throw new Error('no databroker store to write the upstream token to');
  const data: McpUpstreamToken = {
    id: recordId(route.id, userId),
    route_id: route.id,
    user_id: userId,
    sealed: sealTokenSet(ctx.state.config.shared_secret ?? '', route.id, userId, t),
    expires_at: t.expires_at,
    refresh_available: t.refresh_token !== '',
  };
  await st.put([{ type: RECORD, id: data.id, data }]);
}

/** One refresh per route and user at a time (a rotating provider refuses the second). */
const refreshing = new Map<string, Promise<UpstreamTokenSet | string>>();

export async function currentToken(
  ctx: CheckContext,
  route: RouteState,
  s: UpstreamOAuth2,
  userId: string,
): Promise<UpstreamTokenSet | string> {
  const id = recordId(route.id, userId);
  const rec = (await (await ctx.deps.cache()).get(RECORD, id))?.data ?? null;
  if (rec === null) return 'the upstream is not connected';
  // the record must be this route's and this user's: its seal is bound to both
  const t = rec.id === id ? openTokenSet(ctx, rec) : null;
  if (t === null) return 'the stored upstream token cannot be used';
  if (t.expires_at === 0 || t.expires_at - EXPIRY_SKEW_MS > ctx.now) return t;
  if (t.refresh_token === '') return 'the upstream token has expired';
  let p = refreshing.get(id);
  if (p === undefined) {
    p = callTokenEndpoint(
      s,
      { grant_type: 'refresh_token', refresh_token: t.refresh_token },
      ctx.now,
      t,
    )
      .then(async (fresh) => {
        if (typeof fresh !== 'string') await store(ctx, route, userId, fresh);
        else await ctx.deps.store?.delete(RECORD, id);
        return fresh;
      })
      .finally(() => refreshing.delete(id));
    refreshing.set(id, p);
  }
  const fresh = await p;
  return typeof fresh === 'string' ? `the upstream token could not be refreshed (${fresh})` : fresh;
}

/**
 * An allowed request on a route with upstream_oauth2: the user's upstream token set as the
 * upstream's Authorization header, or the connect answer. Other routes: the allow unchanged.
 */
export function withUpstreamToken(
  ctx: CheckContext,
  allow: AuthzResponse,
): AuthzResponse | Promise<AuthzResponse> {
  const route = ctx.route;
  if (route === undefined || allow.kind !== 'allow') return allow;
  const s = upstreamOAuth2Of(route.route);
  if (s === undefined) return allow;
  const userId = ctx.resolved?.identity?.userId ?? '';
  if (userId === '') return connectNeeded(ctx, route, 'this MCP server needs a signed-in user');
  return currentToken(ctx, route, s, userId).then((t) => {
    if (typeof t === 'string') return connectNeeded(ctx, route, t);
    const a = allow as AllowResponse;
    return {
      ...a,
      headers: [
        ...a.headers.filter(([k]) => k !== 'authorization'),
        ['authorization', `Bearer ${t.access_token}`],
      ],
      headersToRemove: a.headersToRemove.filter((h) => h !== 'authorization'),
    };
  });
}

/** The ids of the upstream_oauth2 routes whose token this user has stored (and that opens). */
export async function connectedUpstreams(ctx: CheckContext): Promise<Set<string>> {
  const out = new Set<string>();
  const userId = ctx.resolved?.identity?.userId ?? '';
  if (userId === '') return out;
  const cache = await ctx.deps.cache();
  for (const r of ctx.state.routes.values()) {
    if (upstreamOAuth2Of(r.route) === undefined) continue;
    const rec = (await cache.get(RECORD, recordId(r.id, userId)))?.data ?? null;
    if (rec !== null && openTokenSet(ctx, rec) !== null) out.add(r.id);
  }
  return out;
}

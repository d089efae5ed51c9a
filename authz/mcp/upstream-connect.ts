// `mcp: server: upstream_oauth2:` (docs/mcp.md "Upstream OAuth"): the browser steps that connect
// a user to an upstream MCP server's own OAuth provider (the token itself: upstream-tokens.ts).
//   - connect: `GET /.pomerium/mcp/upstream/connect?route=ID` (signed in, on the route's host)
//     sends the browser to the provider with PKCE S256 and a sealed state bound to user, session
//     and route;
//   - callback: `GET /.pomerium/mcp/upstream/callback` opens the state (same user and session),
//     redeems the code at the token endpoint and stores the token set;
//   - Pomerium's `/.pomerium/mcp/connect?redirect_url=` for MCP client apps.
import { authorizeUrl, pkcePair, type UpstreamOAuth2, upstreamOAuth2Of } from '../../mcp/index.js';
import { openPayload, sealPayload } from '../../wire/index.js';
import type { RouteState } from '../lib/authz-state.js';
import type { AuthzResponse } from '../lib/authz-types.js';
import type { CheckContext } from '../lib/check-context.js';
import type { PolicyRequest } from '../policy/types.js';
import { answer } from '../respond/answer-mcp.js';
import {
  CALLBACK_PATH,
  CONNECT_PATH,
  callTokenEndpoint,
  checkEndpoint,
  currentToken,
  keyOf,
  originOf,
  store,
} from './upstream-tokens.js';

const text = (ctx: CheckContext, status: number, message: string) =>
  answer(ctx, status, [['content-type', 'text/plain; charset=utf-8']], `${message}\n`);

const STATE_TTL_MS = 10 * 60_000;
const STATE_PURPOSE = 'portcullis mcp upstream state v1';
const stateKey = (ctx: CheckContext) =>
  keyOf(ctx.state.config.shared_secret ?? '', 'upstream-state');

/**
 * Pomerium's connect for MCP client apps (`mcp: client:` routes): on an MCP server route's host,
 * `?redirect_url=` an https URL on an MCP client route's host, where the browser returns once the
 * server is usable (after the upstream OAuth flow when the route needs one).
 */
export const POMERIUM_CONNECT_PATH = '/.pomerium/mcp/connect';

export function isUpstreamOAuthPath(path: string): boolean {
  return path === CONNECT_PATH || path === CALLBACK_PATH || path === POMERIUM_CONNECT_PATH;
}

/** The route of a connect: an MCP server route with upstream_oauth2 served on this host. */
function routeFor(ctx: CheckContext, id: string): RouteState | string {
  const route = ctx.state.routes.get(id);
  if (route === undefined || upstreamOAuth2Of(route.route) === undefined) {
    return 'no MCP server route with upstream_oauth2 has this id';
  }
  if (new URL(route.route.from).hostname.toLowerCase() !== ctx.req.http.hostname) {
    return 'connect on the host of the MCP server route';
  }
  return route;
}

/** Whether this user may use the route (the first request of a client: initialize). */
function mayUse(ctx: CheckContext, route: RouteState): boolean {
  const path = new URL(route.route.from).pathname;
  const probe: PolicyRequest = {
    ...ctx.req.http,
    method: 'POST',
    path,
    rawPath: path,
    rawQuery: '',
    mcp: { method: 'initialize', tool: null },
  };
  return (
    route.policy.evaluate(probe, ctx.resolved?.identity ?? null, { now: ctx.now }).outcome ===
    'allow'
  );
}

interface OAuthState {
  readonly r: string;
  readonly u: string;
  readonly s: string;
  readonly v: string;
  readonly exp: number;
  /** Where the browser goes after the callback (an MCP client route's URL), or ''. */
  readonly ret: string;
}

/** A redirect_url: https, on the host of an `mcp: client:` route; else why not. */
function clientRedirect(ctx: CheckContext, raw: string | null): string | { error: string } {
  if (raw === null || raw === '') return { error: 'redirect_url is required' };
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { error: 'redirect_url is not a URL' };
  }
  if (u.protocol !== 'https:' || u.username !== '' || u.password !== '') {
    return { error: 'redirect_url must be an https URL' };
  }
  for (const r of ctx.state.routes.values()) {
    if (r.route.mcp?.client === undefined) continue;
    if (new URL(r.route.from).host.toLowerCase() === u.host.toLowerCase()) return u.toString();
  }
  return { error: 'redirect_url must be on the host of an MCP client route' };
}

/** The MCP server route served on this host (Pomerium's connect names no route). */
function serverRouteOfHost(ctx: CheckContext): RouteState | undefined {
  for (const r of ctx.state.routes.values()) {
    if (
      r.mcpServer !== null &&
      new URL(r.route.from).hostname.toLowerCase() === ctx.req.http.hostname
    ) {
      return r;
    }
  }
  return undefined;
}

async function pomeriumConnect(ctx: CheckContext): Promise<AuthzResponse> {
  const ret = clientRedirect(ctx, new URLSearchParams(ctx.req.http.rawQuery).get('redirect_url'));
  if (typeof ret !== 'string') return text(ctx, 400, ret.error);
  const route = serverRouteOfHost(ctx);
  if (route === undefined) return text(ctx, 400, 'no MCP server route is served on this host');
  if (!mayUse(ctx, route)) return text(ctx, 403, 'you may not use this MCP server');
  const s = upstreamOAuth2Of(route.route);
  if (s !== undefined) {
    const t = await currentToken(ctx, route, s, ctx.resolved!.identity.userId);
    if (typeof t === 'string') return startFlow(ctx, route, s, ret);
  }
  return answer(ctx, 302, [['location', ret]], '');
}

function connect(ctx: CheckContext): AuthzResponse {
  const q = new URLSearchParams(ctx.req.http.rawQuery);
  const route = routeFor(ctx, q.get('route') ?? '');
  if (typeof route === 'string') return text(ctx, 400, route);
  let ret = '';
  if (q.has('redirect_url')) {
    const r = clientRedirect(ctx, q.get('redirect_url'));
    if (typeof r !== 'string') return text(ctx, 400, r.error);
    ret = r;
  }
  if (!mayUse(ctx, route)) return text(ctx, 403, 'you may not use this MCP server');
  return startFlow(ctx, route, upstreamOAuth2Of(route.route)!, ret);
}

function startFlow(
  ctx: CheckContext,
  route: RouteState,
  s: UpstreamOAuth2,
  ret: string,
): AuthzResponse {
  const bad = checkEndpoint(s.endpoint.auth_url);
  if (bad !== null) return text(ctx, 502, `upstream_oauth2 auth_url ${bad}`);
  const identity = ctx.resolved!.identity;
  const { verifier, challenge } = pkcePair();
  const st: OAuthState = {
    r: route.id,
    u: identity.userId,
    s: identity.sessionId,
    v: verifier,
    exp: ctx.now + STATE_TTL_MS,
    ret,
  };
  const state = sealPayload(stateKey(ctx), JSON.stringify(st), STATE_PURPOSE);
  const location = authorizeUrl(s, {
    redirectUri: `${originOf(route)}${CALLBACK_PATH}`,
    state,
    challenge,
  });
  return answer(ctx, 302, [['location', location]], '');
}

async function callback(ctx: CheckContext): Promise<AuthzResponse> {
  const q = new URLSearchParams(ctx.req.http.rawQuery);
  let st: OAuthState;
  try {
    st = JSON.parse(openPayload(stateKey(ctx), q.get('state') ?? '', STATE_PURPOSE)) as OAuthState;
  } catch {
    return text(ctx, 400, 'the state does not authenticate: start again from the connect URL');
  }
  if (st.exp <= ctx.now)
    return text(ctx, 400, 'the state has expired: start again from the connect URL');
  const identity = ctx.resolved!.identity;
  if (st.u !== identity.userId || st.s !== identity.sessionId) {
    return text(
      ctx,
      403,
      'this sign-in was started by another session: start again from the connect URL',
    );
  }
  const route = routeFor(ctx, st.r);
  if (typeof route === 'string') return text(ctx, 400, route);
  const error = q.get('error');
  if (error !== null) {
    return text(
      ctx,
      502,
      `the provider refused: ${error.slice(0, 64).replace(/[^\x20-\x7e]/g, '?')}`,
    );
  }
  const code = q.get('code') ?? '';
  if (code === '') return text(ctx, 400, 'no code');
  const s = upstreamOAuth2Of(route.route)!;
  const t = await callTokenEndpoint(
    s,
    {
      grant_type: 'authorization_code',
      code,
      redirect_uri: `${originOf(route)}${CALLBACK_PATH}`,
      code_verifier: st.v,
    },
    ctx.now,
  );
  if (typeof t === 'string') return text(ctx, 502, t);
  await store(ctx, route, identity.userId, t);
  if (typeof st.ret === 'string' && st.ret !== '')
    return answer(ctx, 302, [['location', st.ret]], '');
  return text(
    ctx,
    200,
    `connected: ${route.route.name ?? route.id} can now be used by your MCP client`,
  );
}

/** `/.pomerium/mcp/upstream/{connect,callback}` of a signed-in user. */
export function answerUpstreamOAuth(ctx: CheckContext): AuthzResponse | Promise<AuthzResponse> {
  if (ctx.req.http.method !== 'GET') return answer(ctx, 405, [['allow', 'GET']], '');
  const path = ctx.req.http.path;
  if (path === POMERIUM_CONNECT_PATH) return pomeriumConnect(ctx);
  return path === CONNECT_PATH ? connect(ctx) : callback(ctx);
}

// The routes portal (docs/pomerium-behaviour.md §5): `/.pomerium/api/v1/routes` (JSON
// `{"routes":[{id, name, from, type, description, logo_url}]}`) and `/.pomerium/routes` (HTML)
// list the routes the signed-in user may open, each decided by that route's compiled policy for
// a GET of the route's root from this client — the same decision core as every Check. Without a
// session a browser is sent to sign in and an API client gets 401, as for any protected route.
// `/.pomerium/jwt` (behind its runtime flag) is answered the same way.

import { renderRoutesPage, SECURITY_RESPONSE_HEADERS, themeOf } from '../../wire/index.js';
import type { AuthzState, RouteState } from '../lib/authz-state.js';
import type { AuthzResponse, HeaderPair } from '../lib/authz-types.js';
import type { CheckContext } from '../lib/check-context.js';
import type { CertificateJudge } from '../mtls/judge-client-certificate.js';
import type { PolicyIdentity, PolicyRequest } from '../policy/types.js';
import { wantsLoginRedirect } from '../policy/want-login-redirect.js';
import { buildDenial, type DenialInfo, STATUS_TEXT } from './build-denial.js';
import { signInLocation } from './build-return-urls.js';
import { denialPageContext } from './denial-page-context.js';

const PORTAL_PATHS = new Set([
  '/.pomerium/routes',
  '/.pomerium/routes/',
  '/.pomerium/api/v1/routes',
]);

export function isRoutesPortalPath(path: string): boolean {
  return PORTAL_PATHS.has(path);
}

export const JWT_PATH = '/.pomerium/jwt';

/** Internal paths authz answers itself: the portal, and /.pomerium/jwt when its flag is on. */
export function answersInternally(path: string, state: AuthzState): boolean {
  if (PORTAL_PATHS.has(path)) return true;
  return path === JWT_PATH && state.config.runtime_flags.pomerium_jwt_endpoint === true;
}

/**
 * What the portal needs of a state's routes, parsed once per state (a reload builds a new state):
 * the first route of each hostname, and each linkable route (not a wildcard host, not a regex)
 * with its probe URL parts and its listing entry. Keyed weakly: an old state's entry goes with it.
 */
interface PortalIndex {
  readonly byHostname: ReadonlyMap<string, RouteState>;
  readonly candidates: readonly PortalCandidate[];
}

interface PortalCandidate {
  readonly r: RouteState;
  readonly host: string;
  readonly hostname: string;
  readonly path: string;
  readonly url: string;
  readonly link: PortalRoute;
}

const indexes = new WeakMap<AuthzState, PortalIndex>();

function portalIndex(state: AuthzState): PortalIndex {
  let index = indexes.get(state);
  if (index !== undefined) return index;
  const byHostname = new Map<string, RouteState>();
  const candidates: PortalCandidate[] = [];
  for (const r of state.routes.values()) {
    const from = new URL(r.route.from);
    const hostname = from.hostname.toLowerCase();
    if (!byHostname.has(hostname)) byHostname.set(hostname, r);
    if (from.hostname.includes('*')) continue; // a wildcard host is not a link
    if (r.route.regex !== undefined) continue; // no single URL to offer
    candidates.push({
      r,
      host: from.host,
      hostname: from.hostname,
      path: r.route.prefix ?? r.route.path ?? '/',
      url: `https://${from.host}/`,
      link: Object.freeze({
        id: r.id,
        name: r.route.name ?? from.hostname,
        from: r.route.from,
        type: 'http',
        description: r.route.description ?? '',
        logo_url: r.route.logo_url ?? '',
      }),
    });
  }
  index = { byHostname, candidates };
  indexes.set(state, index);
  return index;
}

/** The first route served on this hostname (whose session cookie the portal reads). */
export function routeForHostname(state: AuthzState, hostname: string): RouteState | undefined {
  return portalIndex(state).byHostname.get(hostname);
}

export interface PortalRoute {
  readonly id: string;
  readonly name: string;
  readonly from: string;
  readonly type: 'http';
  readonly description: string;
  readonly logo_url: string;
}

/**
 * The routes `identity` may open from this client (its address and certificate). Each route's
 * compiled policy decides a GET of the route's root; the URL parts come from the state's portal
 * index (parsed once), and the policy is asked for the outcome only (no denial explanation).
 */
export function listOpenableRoutes(
  state: AuthzState,
  request: PolicyRequest,
  identity: PolicyIdentity,
  certs: CertificateJudge,
  peer: { presented: boolean; pem: string; chain: string },
  now: number,
): PortalRoute[] {
  const out: PortalRoute[] = [];
  const opts = { now, outcomeOnly: true };
  for (const c of portalIndex(state).candidates) {
    const probe: PolicyRequest = {
      ...request,
      method: 'GET',
      host: c.host,
      hostname: c.hostname,
      path: c.path,
      rawPath: c.path,
      rawQuery: '',
      url: c.url,
      clientCertificate: certs.judge(peer.presented, peer.pem, c.r.clientCa, now, peer.chain),
    };
    if (c.r.policy.evaluate(probe, identity, opts).outcome !== 'allow') continue;
    out.push(c.link);
  }
  return out;
}

/** The portal's direct answer (ext_authz answers it; the request never reaches an upstream). */
export function portalResponse(
  path: string,
  routes: readonly PortalRoute[],
  theme = themeOf(),
): AuthzResponse {
  const json = path === '/.pomerium/api/v1/routes';
  return {
    kind: 'deny',
    status: 200,
    grpcCode: 7,
    headers: [
      ['content-type', json ? 'application/json' : 'text/html; charset=utf-8'],
      ['cache-control', 'no-store'],
      ...(json
        ? []
        : SECURITY_RESPONSE_HEADERS.map(
            (h): HeaderPair =>
              h[0] === 'content-security-policy' ? [h[0], theme.csp] : [h[0], h[1]],
          )),
    ],
    body: json ? JSON.stringify({ routes }) : renderRoutesPage(routes, theme),
  };
}

function deny(ctx: CheckContext, info: Omit<DenialInfo, 'requestId'>): AuthzResponse {
  return buildDenial(
    { ...info, requestId: ctx.req.requestId, page: denialPageContext(ctx) },
    ctx.req.http.headers,
  );
}

/**
 * `/.pomerium/jwt` (runtime flag pomerium_jwt_endpoint, docs/pomerium-behaviour.md §5): the
 * signed assertion this user's requests to this host carry, as application/jwt.
 */
function answerJwt(
  ctx: CheckContext,
  identity: PolicyIdentity,
): AuthzResponse | Promise<AuthzResponse> {
  const input = {
    state: ctx.state,
    route: ctx.route!,
    req: ctx.req,
    policyRequest: ctx.req.http,
    identity,
    session: ctx.session ?? null,
    name: ctx.resolved?.name ?? '',
    signer: ctx.deps.signer,
    identityHeaders: ctx.deps.identityHeaders,
    cookies: ctx.cookies ?? [],
    now: ctx.now,
  };
  const p = ctx.deps.identityHeaders(input);
  const key = ctx.state.signingKey;
  const reply = (jwt: string): AuthzResponse => ({
    kind: 'deny',
    status: 200,
    grpcCode: 7,
    headers: [
      ['content-type', 'application/jwt'],
      ['cache-control', 'no-store'],
    ],
    body: jwt,
  });
  const cached = ctx.deps.signer.peek(p.claimsKey, key, ctx.now);
  if (cached !== undefined) return reply(cached);
  return ctx.deps.signer.sign(p.claims, key, ctx.now, p.claimsKey).then(reply);
}

/** The routes portal (and /.pomerium/jwt): the signed-in user's identity, then the answer. */
export function answerPortal(ctx: CheckContext): AuthzResponse | Promise<AuthzResponse> {
  const identity = ctx.resolved?.identity;
  if (identity && ctx.req.http.path === JWT_PATH) return answerJwt(ctx, identity);
  if (identity) {
    const routes = listOpenableRoutes(
      ctx.state,
      ctx.req.http,
      identity,
      ctx.deps.certs,
      {
        presented: ctx.req.peerCertificatePresented,
        pem: ctx.req.peerCertificatePem,
        chain: ctx.req.peerCertificateChain,
      },
      ctx.now,
    );
    return portalResponse(ctx.req.http.path, routes, themeOf(ctx.state.config));
  }
  const location = wantsLoginRedirect(ctx.req.http) ? signInLocation(ctx) : null;
  if (location !== null) {
    return deny(ctx, { status: 302, error: 'sign in required', headers: [['location', location]] });
  }
  return deny(ctx, { status: 401, error: STATUS_TEXT[401]! });
}

// The ext_authz Check as a declared pipeline (docs/style.md §3): each step reads and extends the context
// or ends the Check with a response. The list below is the whole story of a request:
//
//   refuse what cannot be judged (authority, path: 400) → resolve route by id →
//   answer Portcullis' own paths (the MCP authorize step: the route's policy) → an MCP route's
//   resource and authorization server metadata → judge the client certificate →
//   read the session token → an MCP access token → an IdP bearer token (machine access) → verify the session token →
//   load the session → an MCP route's JSON-RPC body → resolve the identity →
//   evaluate the compiled policy → build the response.
//
// Anything thrown here becomes a 503 denial in create-authz-server.ts (fail closed).
import { PortcullisError } from '../errors/index.js';
import { AUTHORIZE_PATH } from '../mcp/index.js';
import { tracedStep, tracingOn } from '../tracing/index.js';
import {
  idpBearerToken,
  parseCookies,
  readSessionTokens,
  sessionCookieValues,
} from '../wire/index.js';
import type { AuthzResponse } from './lib/authz-types.js';
import type { CheckContext } from './lib/check-context.js';
import { answerUpstreamOAuth, isUpstreamOAuthPath } from './mcp/upstream-connect.js';
import { connectedUpstreams } from './mcp/upstream-tokens.js';
import { answerMcpMetadata, readMcpBody } from './respond/answer-mcp.js';
import {
  answerAuthorizationServerMetadata,
  ownAuthorizationServer,
  respondMcpAuthorize,
} from './respond/answer-mcp-oauth.js';
import { isMcpRoutesPath, listMcpServers, mcpRoutesResponse } from './respond/answer-mcp-routes.js';
import {
  answerPortal,
  answersInternally,
  routeForHostname,
} from './respond/answer-routes-portal.js';
import { STATUS_TEXT } from './respond/build-denial.js';
import { deny, respondToDecision } from './respond/respond-to-decision.js';
import type { BearerResult } from './session/bearer/authenticate-bearer.js';
import { bearerRefusal } from './session/bearer/bearer-refusal.js';
import { authenticateMcpAccessToken } from './session/bearer/mcp-access-token.js';
import { loadSession, peekSession } from './session/load-session.js';

export type { CheckContext, CheckDeps } from './lib/check-context.js';

type Step = (ctx: CheckContext) => Promise<AuthzResponse | undefined> | AuthzResponse | undefined;

const OK_UNCHANGED: AuthzResponse = Object.freeze({
  kind: 'allow',
  headers: [],
  headersToRemove: [],
  queryToRemove: [],
});

/** A malformed or repeated authority, a non-canonical path: 400 with the reason, no policy. */
const rejectMalformed: Step = (ctx) =>
  ctx.req.rejected === null
    ? undefined
    : deny(ctx, {
        status: 400,
        error: STATUS_TEXT[400]!,
        code: 'AUTHZ_BAD_REQUEST',
        reasons: [ctx.req.rejected],
      });

const resolveRoute: Step = (ctx) => {
  if (ctx.req.internal) return undefined;
  const route = ctx.state.routes.get(ctx.req.routeId);
  if (route === undefined) {
    return deny(ctx, { status: 404, error: 'route not found', code: 'AUTHZ_ROUTE_NOT_FOUND' });
  }
  ctx.route = route;
  return undefined;
};

/**
 * `/.pomerium/*`, `/.well-known/pomerium*`, `/ping`, `/healthz`: authn's; pass them untouched —
 * except the routes portal, which needs the compiled policies and is answered here (PORTAL_STEPS).
 */
const answerInternalRoute: Step = (ctx) => {
  if (!ctx.req.internal) return undefined;
  if (ctx.req.http.path === AUTHORIZE_PATH) {
    // the MCP authorize step: the route's policy on the browser session (docs/mcp.md)
    const mcpHome = routeForHostname(ctx.state, ctx.req.http.hostname);
    if (mcpHome !== undefined && ownAuthorizationServer(mcpHome.mcpServer)) {
      ctx.route = mcpHome;
      ctx.policyRequest = { ...ctx.req.http, mcp: { method: '', tool: null } };
      return runSteps(ctx, MCP_AUTHORIZE_STEPS, 0);
    }
  }
  const path = ctx.req.http.path;
  if (!answersInternally(path, ctx.state) && !isMcpRoutesPath(path) && !isUpstreamOAuthPath(path)) {
    return OK_UNCHANGED;
  }
  const home = routeForHostname(ctx.state, ctx.req.http.hostname);
  if (home === undefined) return OK_UNCHANGED; // authn answers 404
  ctx.route = home;
  ctx.policyRequest = ctx.req.http;
  return runSteps(ctx, PORTAL_STEPS, 0);
};

/** An MCP server route's protected resource metadata (docs/mcp.md): public, before any session. */
const answerMcpMetadataStep: Step = (ctx) =>
  answerMcpMetadata(ctx) ?? answerAuthorizationServerMetadata(ctx);

const judgeCertificate: Step = (ctx) => {
  const { req, route } = ctx;
  ctx.policyRequest = req.peerCertificatePresented
    ? {
        ...req.http,
        clientCertificate: ctx.deps.certs.judge(
          true,
          req.peerCertificatePem,
          route?.clientCa ?? null,
          ctx.now,
          req.peerCertificateChain,
        ),
      }
    : req.http;
  return undefined;
};

const readToken: Step = (ctx) => {
  ctx.cookies = parseCookies(ctx.req.cookieHeader);
  // two different session cookies: one was planted (cookie tossing); never pick one
  if (sessionCookieValues(ctx.cookies, ctx.state.cookieName).length > 1) {
    return deny(ctx, {
      status: 400,
      error:
        "two different session cookies were sent: sign out (/.pomerium/sign_out) or clear this site's cookies",
      code: 'DUPLICATE_SESSION_COOKIE',
    });
  }
  ctx.tokens = readSessionTokens(
    ctx.state.cookieName,
    ctx.cookies,
    ctx.req.http.headers,
    ctx.req.http.rawQuery,
  );
  return undefined;
};

/**
 * `Authorization: Bearer <IdP token>` on an idp_access_token / idp_identity_token route
 * (docs/machine-access.md): the token's session, or a 401 `invalid_token`, never a redirect.
 */
const authenticateBearer: Step = (ctx) => {
  const settings = ctx.deps.bearer.settings(ctx.state.config, ctx.route!);
  if (settings === null) return undefined;
  const token = idpBearerToken(ctx.req.http.headers.authorization);
  if (token === null) return undefined;
  const use = (r: BearerResult): AuthzResponse | undefined => {
    if (r.refused !== undefined) return bearerRefusal(ctx.req, r.refused);
    ctx.handle = null;
    ctx.session = r.session;
    return undefined;
  };
  const out = ctx.deps.bearer.authenticate(
    settings,
    token,
    ctx.deps.cacheNow(),
    ctx.deps.cache,
    ctx.now,
  );
  return out instanceof Promise ? out.then(use) : use(out);
};

const verifyToken: Step = (ctx) => {
  if (ctx.session) return undefined;
  const tokens = ctx.tokens ?? [];
  ctx.handle =
    tokens.length === 0
      ? null
      : (ctx.deps.verifier.verify(tokens, ctx.state.sessionKey, ctx.route!.idpId, ctx.now)
          ?.claims ?? null);
  return undefined;
};

// Both steps answer synchronously when the records are in memory (the usual case: no promise
// per Check); otherwise they wait for the cache, which may read the store or fail closed.
const loadSessionStep: Step = (ctx) => {
  const handle = ctx.handle;
  if (!handle) {
    ctx.session ??= null;
    return undefined;
  }
  const open = ctx.deps.cacheNow();
  const now = open === null ? undefined : peekSession(open, handle, ctx.now);
  if (now !== undefined) {
    ctx.session = now;
    return undefined;
  }
  return ctx.deps
    .cache()
    .then((cache) => loadSession(cache, handle, ctx.now))
    .then((session) => {
      ctx.session = session;
      return undefined;
    });
};

const resolveIdentityStep: Step = (ctx) => {
  const session = ctx.session;
  if (!session) {
    ctx.resolved = null;
    return undefined;
  }
  const claim = ctx.state.groupsClaim;
  const open = ctx.deps.cacheNow();
  const now = open === null ? undefined : ctx.deps.identities.peek(open, session, claim);
  if (now !== undefined) {
    ctx.resolved = now;
    return undefined;
  }
  return ctx.deps
    .cache()
    .then((cache) => ctx.deps.identities(cache, session, claim))
    .then((resolved) => {
      ctx.resolved = resolved;
      return undefined;
    });
};

const evaluate: Step = (ctx) => {
  ctx.decision = ctx.route!.policy.evaluate(ctx.policyRequest!, ctx.resolved?.identity ?? null, {
    now: ctx.now,
  });
  return undefined;
};

const respond: Step = respondToDecision;

/** `/.pomerium/mcp/authorize` on an MCP route host: the route's policy, then authn (docs/mcp.md). */
const MCP_AUTHORIZE_STEPS: readonly Step[] = [
  readToken,
  verifyToken,
  loadSessionStep,
  resolveIdentityStep,
  evaluate,
  respondMcpAuthorize,
];
/** The routes portal, or the MCP servers list (docs/mcp.md) of a signed-in user. */
const answerPortalStep: Step = (ctx) => {
  const path = ctx.req.http.path;
  if (ctx.resolved?.identity && isMcpRoutesPath(path)) {
    return connectedUpstreams(ctx).then((ids) =>
      mcpRoutesResponse(
        ctx,
        listMcpServers(ctx, (r) => ids.has(r.id)),
      ),
    );
  }
  if (ctx.resolved?.identity && isUpstreamOAuthPath(path)) return answerUpstreamOAuth(ctx);
  return answerPortal(ctx);
};

const PORTAL_STEPS: readonly Step[] = [
  readToken,
  verifyToken,
  loadSessionStep,
  resolveIdentityStep,
  answerPortalStep,
];

/** The pipeline, in order. */
export const CHECK_STEPS: readonly Step[] = [
  rejectMalformed,
  resolveRoute,
  answerInternalRoute,
  answerMcpMetadataStep,
  judgeCertificate,
  readToken,
  authenticateMcpAccessToken,
  authenticateBearer,
  verifyToken,
  loadSessionStep,
  readMcpBody,
  resolveIdentityStep,
  evaluate,
  respond,
];

/** The pipeline while tracing is on: the session load and the policy evaluation in spans. */
const TRACED_CHECK_STEPS: readonly Step[] = CHECK_STEPS.map((s) =>
  s === loadSessionStep
    ? tracedStep('authz.load_session', s)
    : s === evaluate
      ? tracedStep('authz.evaluate_policy', s)
      : s,
);

function ended(): never {
  throw new PortcullisError('AUTHZ_INTERNAL', 'the check pipeline ended without a response');
}

async function continueSteps(
  ctx: CheckContext,
  steps: readonly Step[],
  pending: Promise<AuthzResponse | undefined>,
  next: number,
): Promise<AuthzResponse> {
  const out = await pending;
  if (out !== undefined) return out;
  return runSteps(ctx, steps, next);
}

function runSteps(
  ctx: CheckContext,
  steps: readonly Step[],
  from: number,
): AuthzResponse | Promise<AuthzResponse> {
  for (let i = from; i < steps.length; i++) {
    const out = steps[i]!(ctx);
    if (out instanceof Promise) return continueSteps(ctx, steps, out, i + 1);
    if (out !== undefined) return out;
  }
  return ended();
}

/**
 * Runs the pipeline from step `from`; the context is kept for logging and metrics. Synchronous
 * while every step is (the hot path: cached token, session, identity and assertion), a promise
 * from the first step that has to wait. Throws (or rejects) on any error: the caller denies.
 */
export function runCheck(ctx: CheckContext, from = 0): AuthzResponse | Promise<AuthzResponse> {
  return runSteps(ctx, tracingOn ? TRACED_CHECK_STEPS : CHECK_STEPS, from);
}

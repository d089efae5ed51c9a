// The last step of the Check (check.ts): the policy's decision as Envoy's answer. An allow adds
// the identity headers and assertion (and, on an MCP route, the tools/list ticket and the
// upstream's OAuth token); a login outcome is a sign-in redirect, a 401 or an MCP challenge; a
// denial is the 403 page or JSON with the reasons (docs/pages.md), or an MCP JSON-RPC error.
import { SECURITY_RESPONSE_HEADERS } from '../../wire/index.js';
import type { AuthzResponse } from '../lib/authz-types.js';
import type { CheckContext } from '../lib/check-context.js';
import { withUpstreamToken } from '../mcp/upstream-tokens.js';
import { markToolsList, mcpDenial, mcpLoginChallenge } from './answer-mcp.js';
import { buildAllowResponse } from './build-allow-response.js';
import { buildDenial, type DenialInfo, STATUS_TEXT } from './build-denial.js';
import { signInLocation, userInfoUrl } from './build-return-urls.js';
import { denialPageContext } from './denial-page-context.js';

/** A denial of this Check's request, with its request id and what the page shows. */
export function deny(ctx: CheckContext, info: Omit<DenialInfo, 'requestId'>): AuthzResponse {
  return buildDenial(
    { ...info, requestId: ctx.req.requestId, page: denialPageContext(ctx) },
    ctx.req.http.headers,
  );
}

/** The answer for `ctx.decision` on `ctx.route`. */
export function respondToDecision(ctx: CheckContext): AuthzResponse | Promise<AuthzResponse> {
  const d = ctx.decision!;
  const route = ctx.route!;
  if (d.outcome === 'allow') {
    const allow = buildAllowResponse({
      state: ctx.state,
      route,
      req: ctx.req,
      policyRequest: ctx.policyRequest!,
      identity: ctx.resolved?.identity ?? null,
      session: ctx.session ?? null,
      name: ctx.resolved?.name ?? '',
      signer: ctx.deps.signer,
      identityHeaders: ctx.deps.identityHeaders,
      now: ctx.now,
    });
    if (route.mcpServer === null) return allow;
    const marked =
      allow instanceof Promise
        ? allow.then((a) => markToolsList(ctx, a))
        : markToolsList(ctx, allow);
    return marked instanceof Promise
      ? marked.then((a) => withUpstreamToken(ctx, a))
      : withUpstreamToken(ctx, marked);
  }
  if (ctx.req.http.path === '/robots.txt') {
    return {
      kind: 'deny',
      status: 200,
      grpcCode: 7,
      headers: [['content-type', 'text/plain'], ...SECURITY_RESPONSE_HEADERS],
      body: 'User-agent: *\nDisallow: /',
    };
  }
  const explained = {
    reasons: d.reasons,
    ...(route.showErrorDetails ? { explanation: d.explanation, failures: d.failures } : {}),
  };
  if (d.outcome === 'login' && route.mcpServer !== null) return mcpLoginChallenge(ctx);
  if (d.outcome === 'login') {
    const location = d.status === 302 ? signInLocation(ctx) : null;
    if (location !== null) {
      return deny(ctx, {
        status: 302,
        error: 'sign in required',
        headers: [['location', location]],
        reasons: d.reasons,
      });
    }
    return deny(ctx, { status: 401, error: STATUS_TEXT[401]!, reasons: d.reasons });
  }
  const status = d.status === 200 || d.status === 302 || d.status === 401 ? 403 : d.status;
  if (route.mcpServer !== null) {
    return mcpDenial(ctx, status, `access denied: ${d.explanation}`, d.reasons);
  }
  const link = userInfoUrl(ctx);
  return deny(ctx, {
    status,
    error: STATUS_TEXT[status] ?? 'Forbidden',
    ...explained,
    ...(link ? { userInfoUrl: link } : {}),
  });
}

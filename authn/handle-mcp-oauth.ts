// The MCP authorization server's endpoints on an `mcp: server:` route host (docs/mcp.md):
// `/.pomerium/mcp/authorize`, `/token`, `/register`, `/revoke`. The OAuth logic lives in
// mcp/oauth/authorization-server.ts; this adapts HTTP to it. The authorize step issues a code
// only with the pass authz adds after the route's policy allowed the browser's session
// (authz/respond/answer-mcp-oauth.ts): without it the request did not come through authz.
import type { IncomingMessage } from 'node:http';
import {
  AUTHORIZE_PASS_HEADER,
  type AuthorizationServer,
  authorize,
  createRateLimit,
  exchangeToken,
  fetchClientMetadata,
  mcpKeysOf,
  type OAuthAnswer,
  type RateLimit,
  REGISTRATION_BURST,
  REGISTRATIONS_PER_SECOND,
  registerClient,
  revokeToken,
  verifyMcpToken,
} from '../mcp/index.js';
import { fail } from './lib/authn-error.js';
import { readForm } from './lib/read-form.js';
import type { RequestContext } from './lib/request-context.js';
import { redirect, send, sendJson } from './lib/send-response.js';

const JSON_LIMIT = 16 * 1024;
const CORS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'content-type, authorization, mcp-protocol-version',
};

/** The authorization server of this route host, or a 404 when the host runs none. */
function serverFor(ctx: RequestContext): AuthorizationServer {
  const route = ctx.state.routeForHost(ctx.hostname);
  const server = route?.mcp?.server;
  if (route === undefined || server === undefined || server.authorization_server_url) {
    throw fail('AUTHN_NOT_FOUND', 'not found');
  }
  const scheme = route.from.startsWith('http://') ? 'http' : 'https';
  const config = ctx.state.config;
  const allowedDomains = config.mcp_allowed_client_id_domains ?? [];
  return {
    issuer: `${scheme}://${ctx.url.host}`,
    store: ctx.deps.store,
    now: ctx.now,
    accessKey: mcpKeysOf(ctx.state.keys.sessionKey).access,
    registrationEnabled: config.runtime_flags.mcp_dynamic_client_registration === true,
    fetchClientMetadata: (clientId) => fetchClientMetadata(clientId, { allowedDomains }),
  };
}

function reply(ctx: RequestContext, a: OAuthAnswer, cors: boolean): void {
  if (a.location !== undefined) {
    redirect(ctx.res, a.location);
    return;
  }
  const headers: Record<string, string> = { pragma: 'no-cache', ...(cors ? CORS : {}) };
  if (a.status === 401 && a.body?.error === 'invalid_client') {
    headers['www-authenticate'] = 'Bearer error="invalid_client"';
  }
  sendJson(ctx.res, a.status, a.body ?? {}, { headers });
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > JSON_LIMIT) throw fail('AUTHN_BAD_REQUEST', 'body too large');
    chunks.push(chunk as Buffer);
  }
  if (type !== 'application/json') return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A POST endpoint with CORS (browser-based MCP clients call it cross-origin). */
function postEndpoint(
  run: (as: AuthorizationServer, ctx: RequestContext) => Promise<OAuthAnswer>,
): (ctx: RequestContext) => Promise<void> {
  return async (ctx) => {
    const as = serverFor(ctx);
    if (ctx.method === 'OPTIONS') return send(ctx.res, 204, 'text/plain', '', { headers: CORS });
    if (ctx.method !== 'POST') {
      return sendJson(
        ctx.res,
        405,
        { error: 'invalid_request', error_description: 'use POST' },
        { headers: { allow: 'POST, OPTIONS', ...CORS } },
      );
    }
    const answer = await run(as, ctx);
    reply(ctx, answer, true);
    if (answer.status < 400) {
      ctx.log.info({ event: 'mcp_oauth', path: ctx.url.pathname, status: answer.status }, 'mcp');
    }
  };
}

export const handleMcpToken = postEndpoint(async (as, ctx) =>
  exchangeToken(as, await readForm(ctx.req)),
);
export const handleMcpRevoke = postEndpoint(async (as, ctx) =>
  revokeToken(as, await readForm(ctx.req)),
);
/** One registration bucket per authn server (its deps). */
const registrations = new WeakMap<object, RateLimit>();

export const handleMcpRegister = postEndpoint(async (as, ctx) => {
  let limit = registrations.get(ctx.deps);
  if (limit === undefined) {
    limit = createRateLimit(REGISTRATIONS_PER_SECOND, REGISTRATION_BURST, ctx.deps.now);
    registrations.set(ctx.deps, limit);
  }
  const body = await readJson(ctx.req);
  if (as.registrationEnabled && !limit.take()) {
    return {
      status: 429,
      body: {
        error: 'too_many_requests',
        error_description: 'too many registrations: retry later',
      },
    };
  }
  return registerClient(as, body);
});

/** GET /.pomerium/mcp/authorize: a code for the user authz admitted (its pass says who). */
export async function handleMcpAuthorize(ctx: RequestContext): Promise<void> {
  const as = serverFor(ctx);
  if (ctx.method !== 'GET') throw fail('AUTHN_BAD_REQUEST', 'use GET');
  const raw = ctx.req.headers[AUTHORIZE_PASS_HEADER];
  const pass =
    typeof raw === 'string'
      ? verifyMcpToken('authorize', raw, mcpKeysOf(ctx.state.keys.sessionKey).authorize, ctx.now)
      : null;
  if (
    pass === null ||
    pass.host !== ctx.url.host ||
    typeof pass.sid !== 'string' ||
    typeof pass.sub !== 'string' ||
    typeof pass.idp_id !== 'string'
  ) {
    throw fail('AUTHN_BAD_REQUEST', 'the authorize request did not pass the route policy');
  }
  const answer = await authorize(as, ctx.url.searchParams, {
    sessionId: pass.sid,
    userId: pass.sub,
    idpId: pass.idp_id,
  });
  reply(ctx, answer, false);
}

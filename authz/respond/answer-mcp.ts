// The answers of an `mcp: server:` route that are not the upstream's (docs/mcp.md): its RFC 9728
// protected resource metadata, a 401 with `WWW-Authenticate: Bearer resource_metadata=…` where
// a browser would be redirected to sign in (an MCP client cannot follow an HTML sign-in), and a
// policy denial as a JSON-RPC error.

import {
  INVALID_REQUEST,
  jsonRpcDenial,
  metadataResourcePath,
  protectedResourceMetadata,
  readJsonRpcBody,
  wwwAuthenticate,
} from '../../mcp/index.js';
import { SECURITY_RESPONSE_HEADERS } from '../../wire/index.js';
import type { AllowResponse, AuthzResponse, DenyResponse, HeaderPair } from '../lib/authz-types.js';
import type { CheckContext } from '../lib/check-context.js';
import {
  MAX_TICKET_CHARS,
  sealToolsListTicket,
  TOOLS_LIST_TICKET_HEADER,
} from '../mcp/tools-list-ticket.js';

/** An answer Envoy gives itself (a denied_response, whatever its status), with our headers. */
export function answer(
  ctx: CheckContext,
  status: number,
  headers: readonly HeaderPair[],
  body: string,
): DenyResponse {
  return {
    kind: 'deny',
    status,
    // a denied_response even for 200: Envoy answers it itself (the robots.txt way, check.ts)
    grpcCode: 7,
    headers: [
      ['x-request-id', ctx.req.requestId],
      ['cache-control', 'no-store'],
      ...SECURITY_RESPONSE_HEADERS,
      ...headers,
    ],
    body,
  };
}

const CORS: readonly HeaderPair[] = [
  ['access-control-allow-origin', '*'],
  ['access-control-allow-methods', 'GET, OPTIONS'],
  ['access-control-allow-headers', 'mcp-protocol-version'],
];

/**
 * `GET /.well-known/oauth-protected-resource[/path]` on an MCP server route: the metadata,
 * public (no session needed, as RFC 9728 §3 has it); other methods 405. Undefined for other paths.
 */
export function answerMcpMetadata(ctx: CheckContext): AuthzResponse | undefined {
  const settings = ctx.route?.mcpServer;
  if (settings == null) return undefined;
  const resourcePath = metadataResourcePath(ctx.req.http.path);
  if (resourcePath === null) return undefined;
  const method = ctx.req.http.method;
  if (method === 'OPTIONS') return answer(ctx, 204, CORS, '');
  if (method !== 'GET' && method !== 'HEAD') {
    return answer(ctx, 405, [['allow', 'GET, HEAD, OPTIONS'], ...CORS], '');
  }
  const doc = protectedResourceMetadata(ctx.req.http.host, resourcePath, settings);
  return answer(
    ctx,
    200,
    [['content-type', 'application/json'], ...CORS],
    method === 'HEAD' ? '' : JSON.stringify(doc),
  );
}

/** Whether the request carried credentials for us (then the 401 says `invalid_token`). */
function sentToken(ctx: CheckContext): boolean {
  return (ctx.tokens?.length ?? 0) > 0 || ctx.req.http.headers.authorization !== undefined;
}

/** The sign-in an MCP client needs: 401 with the challenge, never a redirect. */
export function mcpLoginChallenge(ctx: CheckContext): DenyResponse {
  const invalid = sentToken(ctx);
  const scheme = ctx.route?.mcpServer?.scheme ?? 'https';
  const challenge = wwwAuthenticate(ctx.req.http.host, ctx.req.http.path, invalid, scheme);
  return answer(
    ctx,
    401,
    [
      ['www-authenticate', challenge],
      ['content-type', 'application/json'],
      ['access-control-expose-headers', 'www-authenticate'],
    ],
    JSON.stringify({
      error: invalid ? 'invalid_token' : 'unauthorized',
      error_description: 'sign in required: see the resource_metadata of WWW-Authenticate',
      request_id: ctx.req.requestId,
    }),
  );
}

/** A policy denial as a JSON-RPC error an agent can show (HTTP status kept). */
export function mcpDenial(
  ctx: CheckContext,
  status: number,
  message: string,
  reasons: readonly string[],
): DenyResponse {
  return answer(
    ctx,
    status,
    [['content-type', 'application/json']],
    jsonRpcDenial(message, { requestId: ctx.req.requestId, reasons }),
  );
}

const NO_CALL = Object.freeze({ method: '', tool: null });

/**
 * Reads the JSON-RPC body of every request on an MCP server route, before the policy (whose
 * `mcp_tool` criterion sees the call, signed in or not): a malformed one is refused with 400 and
 * its JSON-RPC error code before any policy or upstream sees it; so is a batch with a
 * `tools/call` (the policy judges one call per request).
 */
export function readMcpBody(ctx: CheckContext): AuthzResponse | undefined {
  if (ctx.route?.mcpServer == null) return undefined;
  const body = readJsonRpcBody(ctx.req.http.method, ctx.req.body ?? '');
  ctx.mcp = body;
  if (body.kind === 'invalid') return refuse(ctx, body.code, body.message);
  let call: { method: string; tool: string | null } = NO_CALL;
  if (body.kind === 'messages') {
    const calls = body.messages.filter((m) => m.method === 'tools/call');
    if (calls.length > 0 && body.messages.length > 1) {
      return refuse(ctx, INVALID_REQUEST, 'a batch may not carry a tools/call');
    }
    call = calls[0] ?? { method: body.messages[0]!.method, tool: null };
  }
  ctx.policyRequest = { ...(ctx.policyRequest ?? ctx.req.http), mcp: call };
  return undefined;
}

function refuse(ctx: CheckContext, code: number, message: string): DenyResponse {
  return answer(
    ctx,
    400,
    [['content-type', 'application/json']],
    jsonRpcDenial(message, { requestId: ctx.req.requestId }, code),
  );
}

/**
 * An allowed request on an MCP server route: a `tools/list` carries the ticket the ext_proc
 * filter needs to show only the tools the caller may call (authz/mcp/tools-list-ticket.ts); any
 * other request has a client-sent ticket header removed. A ticket too large to seal refuses the
 * list (fail closed).
 */
export function markToolsList(ctx: CheckContext, allow: AllowResponse): AuthzResponse {
  const request = ctx.policyRequest;
  // any message of the body: a batch may carry a tools/list beside other messages
  const lists =
    ctx.mcp?.kind === 'messages' && ctx.mcp.messages.some((m) => m.method === 'tools/list');
  if (request === undefined || !lists) {
    return { ...allow, headersToRemove: [...allow.headersToRemove, TOOLS_LIST_TICKET_HEADER] };
  }
  const ticket = sealToolsListTicket(ctx.state.config.shared_secret ?? '', {
    routeId: ctx.route!.id,
    request,
    identity: ctx.resolved?.identity ?? null,
    judgedAt: ctx.now,
  });
  if (ticket.length > MAX_TICKET_CHARS) {
    return refuseWith(
      ctx,
      431,
      -32002,
      'tools/list could not be filtered: the request is too large',
    );
  }
  return { ...allow, headers: [...allow.headers, [TOOLS_LIST_TICKET_HEADER, ticket]] };
}

function refuseWith(
  ctx: CheckContext,
  status: number,
  code: number,
  message: string,
): DenyResponse {
  return answer(
    ctx,
    status,
    [['content-type', 'application/json']],
    jsonRpcDenial(message, { requestId: ctx.req.requestId }, code),
  );
}

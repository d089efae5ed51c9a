// authz's part of the MCP authorization server (docs/mcp.md): the RFC 8414 metadata on an MCP
// route host, and the judgement of the authorize step. The user step of `/.pomerium/mcp/authorize`
// is the route's own policy on the browser's session: no session → the normal sign-in redirect
// at the IdP; refused → the normal 403 page (the user never reaches the client's redirect);
// allowed → the request goes on to authn carrying a short pass (session, user, host) that only
// authz can mint, so authn issues codes only for users this route admits.

import {
  AUTHORIZATION_SERVER_METADATA_PATH,
  AUTHORIZE_PASS_HEADER,
  AUTHORIZE_PASS_TTL_S,
  authorizationServerMetadata,
  type McpServerSettings,
  mcpKeysOf,
  signMcpToken,
} from '../../mcp/index.js';
import { SECURITY_RESPONSE_HEADERS } from '../../wire/index.js';
import type { AuthzResponse, HeaderPair } from '../lib/authz-types.js';
import type { CheckContext } from '../lib/check-context.js';
import { buildDenial, STATUS_TEXT } from './build-denial.js';
import { signInLocation } from './build-return-urls.js';
import { denialPageContext } from './denial-page-context.js';

/** Whether the route host runs Portcullis' own authorization server. */
export const ownAuthorizationServer = (s: McpServerSettings | null | undefined): boolean =>
  s != null && s.authorizationServer === null;

const CORS: readonly HeaderPair[] = [
  ['access-control-allow-origin', '*'],
  ['access-control-allow-methods', 'GET, OPTIONS'],
  ['access-control-allow-headers', 'mcp-protocol-version'],
];

/** `GET /.well-known/oauth-authorization-server` on an MCP route host (undefined elsewhere). */
export function answerAuthorizationServerMetadata(ctx: CheckContext): AuthzResponse | undefined {
  const settings = ctx.route?.mcpServer;
  if (!ownAuthorizationServer(settings)) return undefined;
  if (ctx.req.http.path !== AUTHORIZATION_SERVER_METADATA_PATH) return undefined;
  const method = ctx.req.http.method;
  const base: HeaderPair[] = [
    ['x-request-id', ctx.req.requestId],
    ['cache-control', 'no-store'],
    ...SECURITY_RESPONSE_HEADERS,
    ...CORS,
  ];
  if (method === 'OPTIONS') {
    return { kind: 'deny', status: 204, grpcCode: 7, headers: base, body: '' };
  }
  if (method !== 'GET' && method !== 'HEAD') {
    return {
      kind: 'deny',
      status: 405,
      grpcCode: 7,
      headers: [...base, ['allow', 'GET, HEAD, OPTIONS']],
      body: '',
    };
  }
  const config = ctx.state.config;
  const doc = authorizationServerMetadata(
    `${settings!.scheme}://${ctx.req.http.host}`,
    config.runtime_flags.mcp_dynamic_client_registration === true,
    config.mcp_allowed_client_id_domains.length > 0,
  );
  return {
    kind: 'deny',
    status: 200,
    grpcCode: 7,
    headers: [...base, ['content-type', 'application/json']],
    body: method === 'HEAD' ? '' : JSON.stringify(doc),
  };
}

/** The last step of the authorize judgement (check.ts MCP_AUTHORIZE_STEPS). */
export function respondMcpAuthorize(ctx: CheckContext): AuthzResponse {
  const d = ctx.decision!;
  const session = ctx.session ?? null;
  const deny = (status: number, extra: { headers?: [string, string][]; reasons?: string[] }) =>
    buildDenial(
      {
        status,
        error: status === 302 ? 'sign in required' : (STATUS_TEXT[status] ?? 'Forbidden'),
        requestId: ctx.req.requestId,
        page: denialPageContext(ctx),
        ...extra,
      },
      ctx.req.http.headers,
    );
  if (ctx.req.http.method !== 'GET') return deny(405, {});
  if (d.outcome === 'login' || (d.outcome === 'allow' && session === null)) {
    const location = signInLocation(ctx);
    if (location === null) return deny(401, { reasons: [...d.reasons] });
    return deny(302, { headers: [['location', location]], reasons: [...d.reasons] });
  }
  if (d.outcome !== 'allow') {
    const status = d.status === 200 || d.status === 302 || d.status === 401 ? 403 : d.status;
    return deny(status, { reasons: [...d.reasons] });
  }
  const iat = Math.floor(ctx.now / 1000);
  const pass = signMcpToken(
    'authorize',
    {
      sid: session!.id,
      sub: session!.user_id,
      idp_id: session!.idp_id,
      host: ctx.req.http.host,
      iat,
      exp: iat + AUTHORIZE_PASS_TTL_S,
    },
    mcpKeysOf(ctx.state.sessionKey).authorize,
  );
  return {
    kind: 'allow',
    headers: [[AUTHORIZE_PASS_HEADER, pass]],
    headersToRemove: [],
    queryToRemove: [],
  };
}

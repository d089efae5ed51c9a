// The access tokens of Portcullis' MCP authorization server (docs/mcp.md) on an `mcp: server:`
// route: `Authorization: Bearer <at+jwt>`. Accepted only when the MAC and header are ours
// (mcp/oauth/mcp-tokens.ts: no alg is read from the token), it has not expired, it was issued
// by this route host, its audience (RFC 8707 resource) covers the request URL, its grant (the
// refresh token family) still exists, and the databroker session it is bound to is usable:
// deleting either (sign-out, revocation, a reused refresh token) ends the token at the next
// request, through the record cache's change feed. Any failure is a 401 `invalid_token`.
import type { RecordCache, Session } from '../../../databroker/index.js';
import {
  audienceCovers,
  looksLikeMcpAccessToken,
  type McpAccessClaims,
  mcpKeysOf,
  readAccessToken,
} from '../../../mcp/index.js';
import { idpBearerToken, usableSession } from '../../../wire/index.js';
import type { AuthzResponse } from '../../lib/authz-types.js';
import type { CheckContext } from '../../lib/check-context.js';
import { mcpLoginChallenge } from '../../respond/answer-mcp.js';

/** The session of a token whose grant and session are both alive, else null. */
function backing(
  claims: McpAccessClaims,
  grant: { session_id: string; client_id: string; resource: string } | null | undefined,
  session: Session | null | undefined,
  now: number,
): Session | null {
  if (grant == null) return null;
  if (grant.session_id !== claims.sid || grant.client_id !== claims.client_id) return null;
  if (grant.resource !== claims.aud) return null;
  return usableSession(session, { sub: claims.sub, idp_id: claims.idp_id }, now);
}

/** The check step: undefined when the request carries no MCP access token (or it holds). */
export function authenticateMcpAccessToken(
  ctx: CheckContext,
): AuthzResponse | undefined | Promise<AuthzResponse | undefined> {
  const settings = ctx.route?.mcpServer;
  if (settings == null || settings.authorizationServer !== null) return undefined;
  const token = idpBearerToken(ctx.req.http.headers.authorization);
  if (token === null || !looksLikeMcpAccessToken(token)) return undefined;
  const claims = readAccessToken(token, mcpKeysOf(ctx.state.sessionKey).access, ctx.now);
  const origin = `${settings.scheme}://${ctx.req.http.host}`;
  let url: URL | null = null;
  try {
    url = new URL(`${origin}${ctx.req.http.path}`);
  } catch {
    url = null;
  }
  if (
    claims === null ||
    url === null ||
    claims.iss !== origin ||
    claims.idp_id !== ctx.route!.idpId ||
    !audienceCovers(claims.aud, url)
  ) {
    return mcpLoginChallenge(ctx);
  }
  const use = (session: Session | null): AuthzResponse | undefined => {
    if (session === null) return mcpLoginChallenge(ctx);
    ctx.handle = null;
    ctx.session = session;
    return undefined;
  };
  const open = ctx.deps.cacheNow();
  if (open !== null) {
    const grant = open.peek('mcp_grant', claims.gid);
    const session = open.peekSession(claims.sid);
    if (grant !== undefined && session !== undefined) {
      return use(backing(claims, grant.data, session, ctx.now));
    }
  }
  return ctx.deps
    .cache()
    .then(async (cache: RecordCache) => {
      const grant = await cache.get('mcp_grant', claims.gid);
      const session = grant?.data == null ? null : await cache.getSession(claims.sid);
      return backing(claims, grant?.data, session, ctx.now);
    })
    .then(use);
}

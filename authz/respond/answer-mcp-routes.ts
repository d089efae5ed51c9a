// `/.pomerium/mcp/routes` (docs/mcp.md "Which MCP servers may I use"): the MCP servers the
// signed-in user may use, in Pomerium's shape (`internal/mcp/handler_list_routes.go` there):
// `{"servers": [{name, description, logo_url, url, connected, needs_oauth}]}`, so a desktop
// client can be configured from it. Each `mcp: server:` route is decided by its compiled policy
// for what a client does first, a POST of `initialize` to the server's URL from this client; a
// route the user may not use is left out. Without a session: sign-in, like the routes portal.
import type { RouteState } from '../lib/authz-state.js';
import type { AuthzResponse } from '../lib/authz-types.js';
import type { CheckContext } from '../lib/check-context.js';
import type { PolicyRequest } from '../policy/types.js';

export const MCP_ROUTES_PATH = '/.pomerium/mcp/routes';

export function isMcpRoutesPath(path: string): boolean {
  return path === MCP_ROUTES_PATH || path === `${MCP_ROUTES_PATH}/`;
}

/** One listed server (Pomerium's field names; empty text fields are left out, as there). */
export interface McpServerEntry {
  readonly name?: string;
  readonly description?: string;
  readonly logo_url?: string;
  readonly url: string;
  /** The user can use it now (no upstream OAuth, or its token is stored). */
  readonly connected: boolean;
  /** The upstream needs its own OAuth sign-in (`upstream_oauth2`). */
  readonly needs_oauth: boolean;
}

/** The server's URL: the route's `from` with `mcp.server.path` (Pomerium's rule: "/" adds nothing). */
export function mcpServerUrl(route: RouteState['route']): string {
  const from = new URL(route.from);
  const path = route.mcp?.server?.path ?? '/';
  const base = from.pathname === '/' ? '' : from.pathname.replace(/\/+$/, '');
  const joined = path === '/' || path === '' ? base : `${base}/${path.replace(/^\/+/, '')}`;
  return `${from.protocol}//${from.host}${joined}`;
}

/** The servers `ctx`'s user may use. `connected` asks whether an upstream token is stored. */
export function listMcpServers(
  ctx: CheckContext,
  connected: (route: RouteState) => boolean,
): McpServerEntry[] {
  const identity = ctx.resolved?.identity ?? null;
  const out: McpServerEntry[] = [];
  for (const r of ctx.state.routes.values()) {
    if (r.mcpServer === null) continue;
    const from = new URL(r.route.from);
    if (from.hostname.includes('*') || r.route.regex !== undefined) continue; // no single URL
    const url = mcpServerUrl(r.route);
    const path = new URL(url).pathname;
    const probe: PolicyRequest = {
      ...ctx.req.http,
      method: 'POST',
      host: from.host,
      hostname: from.hostname.toLowerCase(),
      path,
      rawPath: path,
      rawQuery: '',
      url: `https://${from.host}${path}`,
      clientCertificate: ctx.deps.certs.judge(
        ctx.req.peerCertificatePresented,
        ctx.req.peerCertificatePem,
        r.clientCa,
        ctx.now,
        ctx.req.peerCertificateChain,
      ),
      mcp: { method: 'initialize', tool: null },
    };
    if (r.policy.evaluate(probe, identity, { now: ctx.now }).outcome !== 'allow') continue;
    const needsOauth = r.route.mcp?.server?.upstream_oauth2 !== undefined;
    out.push({
      ...(r.route.name ? { name: r.route.name } : {}),
      ...(r.route.description ? { description: r.route.description } : {}),
      ...(r.route.logo_url ? { logo_url: r.route.logo_url } : {}),
      url,
      connected: !needsOauth || connected(r),
      needs_oauth: needsOauth,
    });
  }
  return out;
}

/** The JSON answer (GET only; Envoy answers it, the request reaches no upstream). */
export function mcpRoutesResponse(
  ctx: CheckContext,
  servers: readonly McpServerEntry[],
): AuthzResponse {
  const method = ctx.req.http.method;
  if (method !== 'GET' && method !== 'HEAD') {
    return {
      kind: 'deny',
      status: 405,
      grpcCode: 7,
      headers: [
        ['allow', 'GET, HEAD'],
        ['cache-control', 'no-store'],
      ],
      body: '',
    };
  }
  return {
    kind: 'deny',
    status: 200,
    grpcCode: 7,
    headers: [
      ['content-type', 'application/json'],
      ['cache-control', 'no-store, no-cache, must-revalidate, max-age=0'],
      ['x-request-id', ctx.req.requestId],
    ],
    body: method === 'HEAD' ? '' : JSON.stringify({ servers }),
  };
}

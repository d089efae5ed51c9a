// MCP server routes (docs/mcp.md): the OAuth 2.0 protected resource metadata of RFC 9728 that an
// MCP client fetches to learn where to get a token, and the `WWW-Authenticate` challenge that
// points it there. Pure functions: authz answers with them, nothing here does I/O.
import type { Route } from '../config/index.js';

/** Where RFC 9728 puts the metadata: this prefix, then the resource's own path. */
export const PROTECTED_RESOURCE_PATH = '/.well-known/oauth-protected-resource';

/** What an `mcp: server:` route says about itself. */
export interface McpServerSettings {
  /**
   * Issuer of the authorization server MCP clients are sent to (`authorization_server_url`), or
   * null: Portcullis' own, at the route host's origin (mcp/oauth/authorization-server.ts).
   */
  readonly authorizationServer: string | null;
  /** The scheme of the route's `from` (`http` only with insecure_server). */
  readonly scheme: 'http' | 'https';
  /** Largest JSON-RPC request body read for policy (bytes), or null (the default). */
  readonly maxRequestBytes: number | null;
}

/** The MCP server settings of a route, or null when the route is not an MCP server. */
export function mcpServerOf(route: Route): McpServerSettings | null {
  const server = route.mcp?.server;
  if (server === undefined) return null;
  return Object.freeze({
    authorizationServer: server.authorization_server_url ?? null,
    scheme: route.from.startsWith('http://') ? 'http' : 'https',
    maxRequestBytes: server.max_request_bytes ?? null,
  });
}

/** `scheme://host` + path, normalised (no trailing slash unless the path is `/`). */
function routeUrl(scheme: string, host: string, path: string): string {
  const p = path === '' || path === '/' ? '' : path.replace(/\/+$/, '');
  return `${scheme}://${host}${p}`;
}

/**
 * The resource the metadata at `path` describes, or null when `path` is not a metadata path:
 * `/.well-known/oauth-protected-resource` → `/`, `/.well-known/oauth-protected-resource/mcp` → `/mcp`.
 */
export function metadataResourcePath(path: string): string | null {
  if (path === PROTECTED_RESOURCE_PATH) return '/';
  if (!path.startsWith(`${PROTECTED_RESOURCE_PATH}/`)) return null;
  return path.slice(PROTECTED_RESOURCE_PATH.length);
}

/** The metadata URL for a request to `path` on `host`. */
export function protectedResourceMetadataUrl(host: string, path: string, scheme = 'https'): string {
  const p = path === '/' ? '' : path.replace(/\/+$/, '');
  return `${scheme}://${host}${PROTECTED_RESOURCE_PATH}${p}`;
}

/** The RFC 9728 document for the resource at `resourcePath` on `host`. */
export function protectedResourceMetadata(
  host: string,
  resourcePath: string,
  settings: McpServerSettings,
): Record<string, unknown> {
  return {
    resource: routeUrl(settings.scheme, host, resourcePath),
    authorization_servers: [settings.authorizationServer ?? `${settings.scheme}://${host}`],
    bearer_methods_supported: ['header'],
    resource_name: host,
  };
}

/**
 * `Bearer resource_metadata="…"` (RFC 9728 §5.1), with `error="invalid_token"` when a token was
 * sent and refused (RFC 6750 §3.1). The URL is built from our own host and path, and quoted-string
 * escaping keeps a crafted path from adding parameters.
 */
export function wwwAuthenticate(
  host: string,
  path: string,
  invalidToken: boolean,
  scheme = 'https',
): string {
  const url = protectedResourceMetadataUrl(host, path, scheme).replace(/["\\]/g, (c) => `\\${c}`);
  return `Bearer ${invalidToken ? 'error="invalid_token", ' : ''}resource_metadata="${url}"`;
}

// The route configuration `main` (docs/pomerium-behaviour.md §7.5): the authenticate host; one virtual host per
// route host (`host` and `host:*`) with the internal routes first and then that host's routes
// in config order (first match wins); a final catch-all `*` host for wildcard `from` hosts,
// whose routes also match on an `:authority` regex (case-insensitive, one host name only), and
// which ends with the unrouted route (build-unrouted-route.ts): an authority no host matches —
// malformed, or two Host values joined — is answered by authz (400 or 404), never by a route.
import { type Config, DEFAULT_SET_RESPONSE_HEADERS, type Route } from '../../config/index.js';
import type { Json } from '../lib/envoy-values.js';
import { ROUTE_CONFIG_NAME } from '../lib/names.js';
import { orderRegexRoutes } from '../lib/order-regex-routes.js';
import type { EnvoyIssue, NamedResource, ResourceOrigin } from '../types.js';
import { buildAuthenticateRoutes, buildInternalRoutes } from './build-internal-routes.js';
import { buildPublicFastRoute, publicFastPathBlocker } from './build-public-fast-route.js';
import { buildPolicyRoute, responseHeaders } from './build-route.js';
import { buildAssetRoute, buildUnroutedRoute } from './build-unrouted-route.js';

const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `*.example.com` → a regex over `:authority` (any port). Host names are case-insensitive, and
 * `*` stands for host-name characters only: a comma (two Host values joined) never matches.
 */
export function wildcardAuthorityRegex(host: string): string {
  return `(?i)^${host.split('*').map(escapeRegex).join('[a-z0-9_.-]+')}(:[0-9]+)?$`;
}

const HSTS = 'max-age=31536000; includeSubDomains; preload';

/** set_response_headers; the untouched defaults gain HSTS when real certificates serve TLS. */
export function globalResponseHeaders(
  config: Config,
  realCertificates: boolean,
): Readonly<Record<string, string>> {
  const set = config.set_response_headers;
  const isDefault =
    Object.keys(set).length === Object.keys(DEFAULT_SET_RESPONSE_HEADERS).length &&
    Object.entries(DEFAULT_SET_RESPONSE_HEADERS).every(([k, v]) => set[k] === v);
  if (!isDefault || !realCertificates || config.insecure_server) return set;
  return { ...set, 'Strict-Transport-Security': HSTS };
}

const domainsOf = (host: string): string[] => [host, `${host}:*`];

export function routeHost(from: string): string {
  // URL lower-cases the host; `*` survives in the hostname of special schemes as-is.
  const u = new URL(from.replace('*', 'wildcard-placeholder'));
  return u.hostname.replace('wildcard-placeholder', '*');
}

/** A config route with its index in `config.routes`. */
export interface IndexedRoute {
  readonly route: Route;
  readonly index: number;
}

export function buildRouteConfig(
  config: Config,
  routes: readonly IndexedRoute[] = config.routes.map((route, index) => ({ route, index })),
  /** Real certificates are configured: the default headers gain Strict-Transport-Security. */
  realCertificates = false,
): { resource: NamedResource; issues: EnvoyIssue[] } {
  const issues: EnvoyIssue[] = [];
  const parts = new Map<string, ResourceOrigin>();
  const internal = buildInternalRoutes(config);
  const vhosts: Json[] = [];
  const authHost =
    config.authenticate_service_url !== undefined
      ? new URL(config.authenticate_service_url).hostname
      : undefined;
  if (authHost !== undefined) {
    vhosts.push({
      name: `authenticate-${authHost}`,
      domains: domainsOf(authHost),
      routes: buildAuthenticateRoutes(config),
    });
  }
  interface HostRoutes {
    readonly routes: Json[];
    readonly origins: ResourceOrigin[];
  }
  const byHost = new Map<string, HostRoutes>();
  const wildcard: HostRoutes = { routes: [], origins: [] };
  for (const { route, index } of orderRegexRoutes(routes, routeHost)) {
    const host = routeHost(route.from);
    if (host === authHost) {
      issues.push({
        code: 'ENVOY_SNAPSHOT_INCONSISTENT',
        resource: `route_configuration ${ROUTE_CONFIG_NAME}`,
        field: '',
        message: `the route's host ${host} is the authenticate host`,
        route: { index, id: route.id, path: `routes[${index}]` },
      });
      continue;
    }
    const wild = host.includes('*');
    let group = wild ? wildcard : byHost.get(host);
    if (group === undefined) {
      group = { routes: [], origins: [] };
      byHost.set(host, group);
    }
    const normal = buildPolicyRoute(
      route,
      index,
      config,
      wild ? wildcardAuthorityRegex(host) : undefined,
    );
    // A public route that needs no Check: its ext_authz-free copy first (docs/public-routes.md).
    if (publicFastPathBlocker(route, config) === null) {
      group.routes.push(buildPublicFastRoute(normal, config));
      group.origins.push({ routeIndex: index, routeId: route.id });
    }
    group.routes.push(normal);
    group.origins.push({ routeIndex: index, routeId: route.id });
  }
  const addHost = (name: string, domains: string[], group: HostRoutes): void => {
    const v = vhosts.length;
    group.origins.forEach((o, j) => {
      parts.set(`virtual_hosts[${v}].routes[${internal.length + j}]`, o);
    });
    vhosts.push({ name, domains, routes: [...internal, ...group.routes] });
  };
  for (const [host, group] of byHost) addHost(host, domainsOf(host), group);
  if (wildcard.routes.length > 0) addHost('catch-all', ['*'], wildcard);
  else vhosts.push({ name: 'catch-all', domains: ['*'], routes: [] });
  (vhosts.at(-1)!.routes as Json[]).push(buildAssetRoute(config), buildUnroutedRoute());
  const resource: Json = {
    name: ROUTE_CONFIG_NAME,
    virtual_hosts: vhosts,
    validate_clusters: false,
  };
  const headers = responseHeaders(globalResponseHeaders(config, realCertificates));
  if (headers.length > 0) {
    resource.response_headers_to_add = headers;
    resource.most_specific_header_mutations_wins = true;
  }
  return { resource: { name: ROUTE_CONFIG_NAME, resource, parts }, issues };
}

// One policy route (docs/pomerium-behaviour.md §7.5): match (prefix, path, regex, default `/`; `:authority` regex
// for wildcard hosts), action (cluster with timeouts, rewrites, host options, upgrades, hash
// policy — or redirect, or direct response; all still pass ext_authz), identity headers removed
// when pass_identity_headers is false, response headers, and the route id for authz.
import { type Config, mcpMaxRequestBytes, type Route } from '../../config/index.js';
import { REQUEST_DESCRIBING_HEADERS } from '../../wire/index.js';
import { duration, type Json } from '../lib/envoy-values.js';
import { routeClusterName } from '../lib/names.js';
import { buildExtAuthzPerRoute } from './build-ext-authz-filter.js';
import { buildExtProcPerRoute } from './build-ext-proc-filter.js';

const ALWAYS_REMOVED = ['x-pomerium-reproxy-policy', 'x-pomerium-reproxy-policy-hmac'];

const REDIRECT_CODES: Record<number, string> = {
  301: 'MOVED_PERMANENTLY',
  302: 'FOUND',
  303: 'SEE_OTHER',
  307: 'TEMPORARY_REDIRECT',
  308: 'PERMANENT_REDIRECT',
};

/**
 * The list of a route that sets, removes and impersonates nothing depends on the config and
 * pass_identity_headers only: one frozen list per config and flag, shared by those routes.
 */
const plainLists = new WeakMap<Config, Map<boolean, readonly string[]>>();

function isPlain(route: Route): boolean {
  return (
    (route.remove_request_headers ?? []).length === 0 &&
    route.set_request_headers === undefined &&
    !route.kubernetes_service_account_token &&
    !route.kubernetes_service_account_token_file
  );
}

/** Headers Envoy removes before the upstream (lower case, de-duplicated, in order). */
export function headersToRemove(route: Route, config: Config): readonly string[] {
  if (!isPlain(route)) return computeHeadersToRemove(route, config);
  const pass = route.pass_identity_headers ?? config.pass_identity_headers;
  let lists = plainLists.get(config);
  if (lists === undefined) {
    lists = new Map();
    plainLists.set(config, lists);
  }
  let list = lists.get(pass);
  if (list === undefined) {
    list = Object.freeze(computeHeadersToRemove(route, config));
    lists.set(pass, list);
  }
  return list;
}

function computeHeadersToRemove(route: Route, config: Config): string[] {
  const out = [...ALWAYS_REMOVED];
  if (!(route.pass_identity_headers ?? config.pass_identity_headers)) {
    out.push('x-pomerium-jwt-assertion', 'x-pomerium-jwt-assertion-for');
    out.push(...Object.keys(config.jwt_claims_headers));
  }
  out.push(...(route.remove_request_headers ?? []));
  // The headers no client may send (wire/edge/client-headers.ts), unless the route sets one
  // (set_request_headers, or authz's own impersonation headers on a Kubernetes route, which
  // authz writes after removing the client's).
  const set = new Set(Object.keys(route.set_request_headers ?? {}).map((h) => h.toLowerCase()));
  if (route.kubernetes_service_account_token || route.kubernetes_service_account_token_file) {
    set.add('impersonate-user');
    set.add('impersonate-group');
  }
  out.push(...REQUEST_DESCRIBING_HEADERS.filter((h) => !set.has(h)));
  return [...new Set(out.map((h) => h.toLowerCase()))];
}

/** Response headers as Envoy HeaderValueOptions (overwriting); `disable` means none. */
export function responseHeaders(headers: Readonly<Record<string, string>>): Json[] {
  if ('disable' in headers) return [];
  return Object.entries(headers).map(([key, value]) => ({
    header: { key, value },
    append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
  }));
}

/**
 * A route's own response headers. The global ones sit on the route configuration; the route's
 * win over them (most_specific_header_mutations_wins), and its `disable` removes them.
 */
function routeResponseHeaders(route: Route, config: Config): Json {
  const own = route.set_response_headers;
  if (own === undefined) return {};
  if ('disable' in own) {
    const global = [...Object.keys(config.set_response_headers), 'Strict-Transport-Security'];
    return { response_headers_to_remove: [...new Set(global.filter((k) => k !== 'disable'))] };
  }
  const add = responseHeaders(own);
  return add.length > 0 ? { response_headers_to_add: add } : {};
}

export function buildRouteMatch(route: Route, authorityRegex?: string): Json {
  const match: Json =
    route.regex !== undefined
      ? { safe_regex: { regex: route.regex } }
      : route.path !== undefined
        ? { path: route.path }
        : { prefix: route.prefix ?? '/' };
  if (authorityRegex !== undefined) {
    match.headers = [
      { name: ':authority', string_match: { safe_regex: { regex: authorityRegex } } },
    ];
  }
  return match;
}

function buildRedirect(r: NonNullable<Route['redirect']>): Json {
  const out: Json = {};
  if (r.https_redirect === true) out.https_redirect = true;
  else if (r.scheme_redirect !== undefined) out.scheme_redirect = r.scheme_redirect;
  if (r.host_redirect !== undefined) out.host_redirect = r.host_redirect;
  if (r.port_redirect !== undefined) out.port_redirect = r.port_redirect;
  if (r.path_redirect !== undefined) out.path_redirect = r.path_redirect;
  if (r.prefix_rewrite !== undefined) out.prefix_rewrite = r.prefix_rewrite;
  out.response_code = REDIRECT_CODES[r.response_code ?? 301];
  if (r.strip_query === true) out.strip_query = true;
  return out;
}

function buildRouteAction(route: Route, config: Config): Json {
  const upgrading = route.allow_websockets || route.allow_spdy;
  const action: Json = {
    cluster: routeClusterName(route.id),
    timeout: duration(route.timeout ?? (upgrading ? 0 : config.default_upstream_timeout)),
  };
  const idle = route.idle_timeout ?? (upgrading ? 0 : undefined);
  if (idle !== undefined) action.idle_timeout = duration(idle);
  const toPath = route.to?.[0] !== undefined ? new URL(route.to[0].url).pathname : '/';
  if (route.prefix_rewrite !== undefined) action.prefix_rewrite = route.prefix_rewrite;
  else if (route.regex_rewrite_pattern !== undefined) {
    action.regex_rewrite = {
      pattern: { regex: route.regex_rewrite_pattern },
      substitution: route.regex_rewrite_substitution ?? '',
    };
  } else if (toPath !== '/' && toPath !== '') action.prefix_rewrite = toPath;
  if (route.host_rewrite !== undefined) action.host_rewrite_literal = route.host_rewrite;
  else if (route.host_rewrite_header !== undefined)
    action.host_rewrite_header = route.host_rewrite_header;
  else if (route.host_path_regex_rewrite_pattern !== undefined) {
    action.host_rewrite_path_regex = {
      pattern: { regex: route.host_path_regex_rewrite_pattern },
      substitution: route.host_path_regex_rewrite_substitution ?? '',
    };
  } else action.auto_host_rewrite = !route.preserve_host_header;
  const removesXfh = (route.remove_request_headers ?? []).some(
    (h) => h.toLowerCase() === 'x-forwarded-host',
  );
  action.append_x_forwarded_host = !route.preserve_host_header && !removesXfh;
  // Upgrades are off unless enabled here (the connection manager enables none).
  const upgrades: Json[] = [];
  if (route.allow_websockets) upgrades.push({ upgrade_type: 'websocket' });
  if (route.allow_spdy) upgrades.push({ upgrade_type: 'spdy/3.1' });
  for (const u of route.allow_upgrades ?? config.allow_upgrades ?? []) {
    if (!['websocket', 'spdy/3.1'].includes(u.toLowerCase())) upgrades.push({ upgrade_type: u });
  }
  if (upgrades.length > 0) action.upgrade_configs = upgrades;
  if (route.load_balancing_policy === 'ring_hash' || route.load_balancing_policy === 'maglev') {
    action.hash_policy = [
      { header: { header_name: 'x-pomerium-routing-key' }, terminal: true },
      { connection_properties: { source_ip: true }, terminal: true },
    ];
  }
  return action;
}

/**
 * The Envoy route of `config.routes[index]`. `authorityRegex` restricts it to a wildcard host
 * (routes of wildcard `from` hosts live in the catch-all virtual host).
 */
export function buildPolicyRoute(
  route: Route,
  index: number,
  config: Config,
  authorityRegex?: string,
): Json {
  const out: Json = { name: `policy-${index}`, match: buildRouteMatch(route, authorityRegex) };
  if (route.redirect !== undefined) out.redirect = buildRedirect(route.redirect);
  else if (route.response !== undefined) {
    out.direct_response = {
      status: route.response.status,
      body: { inline_string: route.response.body },
    };
  } else out.route = buildRouteAction(route, config);
  out.request_headers_to_remove = headersToRemove(route, config);
  Object.assign(out, routeResponseHeaders(route, config));
  out.typed_per_filter_config = {
    ...buildExtAuthzPerRoute({ routeId: route.id, maxRequestBytes: mcpMaxRequestBytes(route) }),
    ...(route.mcp?.server !== undefined ? buildExtProcPerRoute() : {}),
  };
  return out;
}

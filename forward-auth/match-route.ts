// The one route matcher of the forward-auth front door (docs/forward-auth.md): it reads the
// route configuration the Envoy config is generated from (envoy/build/build-route-config.ts) and
// applies Envoy's own matching rules to it, so the two front doors cannot disagree on which
// route a request belongs to. test/integration/forward-auth/match-route-envoy.test.ts checks it
// against a real Envoy serving the same route configuration on a shared corpus.
//
// Envoy's rules, as applied here:
// - virtual host: the `:authority` lower-cased, port kept; an exact domain first, then the
//   longest suffix wildcard (`*.x`), then the longest prefix wildcard (`x:*`; a wildcard never
//   matches the empty string), then `*`;
// - routes of that host in order, first match wins: `prefix` against the whole `:path` (query
//   included), `path` and `safe_regex` (full match, RE2) against the path without the query;
//   `headers` (`:authority` safe_regex, full match) must all match too.
import { type Config, compileRe2Anchored } from '../config/index.js';
import { buildRouteConfig } from '../envoy/index.js';

/** What the generated config does with a request (the ext_authz per-route settings). */
export type RouteMatch =
  /** ext_authz disabled (the authenticate host): authn answers, no decision needed. */
  | { readonly kind: 'disabled'; readonly name: string }
  /** Portcullis' own paths on a route host: authz answers them as internal. */
  | { readonly kind: 'internal'; readonly name: string }
  /** A policy route ('' for the unrouted catch-all: authz answers 400 or 404). */
  | { readonly kind: 'route'; readonly name: string; readonly routeId: string };

type Json = Record<string, unknown>;

interface CompiledRoute {
  readonly test: (pathWithQuery: string, path: string, authority: string) => boolean;
  readonly match: RouteMatch;
}

interface CompiledHost {
  readonly routes: readonly CompiledRoute[];
}

export interface RouteMatcher {
  /** `authority` as sent (host[:port]); `pathWithQuery` the request target. Null: no route. */
  match(authority: string, pathWithQuery: string): RouteMatch | null;
}

function compileHeaderMatchers(match: Json): ((authority: string) => boolean)[] {
  const out: ((authority: string) => boolean)[] = [];
  for (const h of (match.headers as Json[] | undefined) ?? []) {
    const re = ((h.string_match as Json | undefined)?.safe_regex as Json | undefined)?.regex;
    if (h.name !== ':authority' || typeof re !== 'string') {
      // a matcher this file does not know: never match (fail closed: the unrouted route answers)
      out.push(() => false);
      continue;
    }
    const compiled = compileRe2Anchored(re);
    out.push((authority) => compiled.test(authority));
  }
  return out;
}

function matchOf(route: Json): RouteMatch {
  const name = String(route.name ?? '');
  const per = (route.typed_per_filter_config as Json | undefined) ?? {};
  const ext = per['envoy.filters.http.ext_authz'] as Json | undefined;
  if (ext?.disabled === true) return { kind: 'disabled', name };
  const extensions =
    ((ext?.check_settings as Json | undefined)?.context_extensions as
      | Record<string, string>
      | undefined) ?? {};
  if (extensions.internal === 'true') return { kind: 'internal', name };
  return { kind: 'route', name, routeId: extensions.route_id ?? '' };
}

function compileRoute(route: Json): CompiledRoute {
  const m = (route.match as Json | undefined) ?? {};
  const headers = compileHeaderMatchers(m);
  const headersMatch = (authority: string): boolean => headers.every((h) => h(authority));
  let pathTest: (pathWithQuery: string, path: string) => boolean;
  if (typeof m.prefix === 'string') {
    const prefix = m.prefix;
    pathTest = (full) => full.startsWith(prefix);
  } else if (typeof m.path === 'string') {
    const exact = m.path;
    pathTest = (_full, path) => path === exact;
  } else if (typeof (m.safe_regex as Json | undefined)?.regex === 'string') {
    const re = compileRe2Anchored((m.safe_regex as Json).regex as string);
    pathTest = (_full, path) => re.test(path);
  } else pathTest = () => false;
  return {
    test: (full, path, authority) => pathTest(full, path) && headersMatch(authority),
    match: matchOf(route),
  };
}

/** Compiles the virtual hosts of one generated route configuration. */
export function compileRouteMatcher(routeConfiguration: Json): RouteMatcher {
  const exact = new Map<string, CompiledHost>();
  const suffix: { readonly rest: string; readonly host: CompiledHost }[] = [];
  const prefix: { readonly start: string; readonly host: CompiledHost }[] = [];
  let any: CompiledHost | null = null;
  for (const vh of (routeConfiguration.virtual_hosts as Json[] | undefined) ?? []) {
    const host: CompiledHost = {
      routes: ((vh.routes as Json[] | undefined) ?? []).map(compileRoute),
    };
    for (const raw of (vh.domains as string[] | undefined) ?? []) {
      const d = raw.toLowerCase();
      if (d === '*') any ??= host;
      else if (d.startsWith('*')) suffix.push({ rest: d.slice(1), host });
      else if (d.endsWith('*')) prefix.push({ start: d.slice(0, -1), host });
      else if (!exact.has(d)) exact.set(d, host);
    }
  }
  // longest wildcard first (Envoy picks the longest match)
  suffix.sort((a, b) => b.rest.length - a.rest.length);
  prefix.sort((a, b) => b.start.length - a.start.length);
  const findHost = (authority: string): CompiledHost | null => {
    const a = authority.toLowerCase();
    const hit = exact.get(a);
    if (hit !== undefined) return hit;
    for (const s of suffix) if (a.length > s.rest.length && a.endsWith(s.rest)) return s.host;
    for (const p of prefix) if (a.length > p.start.length && a.startsWith(p.start)) return p.host;
    return any;
  };
  return {
    match(authority, pathWithQuery) {
      const host = findHost(authority);
      if (host === null) return null;
      const q = pathWithQuery.indexOf('?');
      const path = q === -1 ? pathWithQuery : pathWithQuery.slice(0, q);
      for (const r of host.routes) if (r.test(pathWithQuery, path, authority)) return r.match;
      return null;
    },
  };
}

/** The matcher for a config: the same route configuration Envoy is given. */
export function routeMatcherFor(config: Config): RouteMatcher {
  return compileRouteMatcher(buildRouteConfig(config).resource.resource as Json);
}

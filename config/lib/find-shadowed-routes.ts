// Route shadowing (README "Config the edge refuses"): routes on one host are tried in file
// order and the first match wins, so a route whose every request an earlier route on the same
// host already matches is never reached — typically a public `/` before a stricter `/admin`.
// Each such route gets a warning naming both routes and their lines.
import type { Config, Route } from '../schema.js';
import type { RawIssue } from './raw-issue.js';

/** The virtual host a `from` lands in (envoy/build/build-route-config.ts: host, any port). */
function hostKey(from: string): string | undefined {
  try {
    return new URL(from.replaceAll('*', 'wildcard-placeholder')).hostname;
  } catch {
    return undefined;
  }
}

function describe(r: Route): string {
  if (r.path !== undefined) return `path ${r.path}`;
  if (r.regex !== undefined) return `regex ${r.regex}`;
  return `prefix ${r.prefix ?? '/'}`;
}

/** True when every request `later` matches is matched by `earlier` (regexes: unknown, no). */
function covers(earlier: Route, later: Route): boolean {
  if (earlier.regex !== undefined || later.regex !== undefined) return false;
  if (earlier.path !== undefined) return later.path === earlier.path;
  const prefix = earlier.prefix ?? '/';
  const other = later.path ?? later.prefix ?? '/';
  return other.startsWith(prefix);
}

export function findShadowedRoutes(
  c: Config,
  policyLen: number,
  out: RawIssue[],
  lineOf: (path: readonly PropertyKey[]) => number,
): void {
  const pathOf = (i: number): PropertyKey[] =>
    i < policyLen ? ['policy', i] : ['routes', i - policyLen];
  const label = (i: number): string => {
    const p = pathOf(i);
    return `${String(p[0])}[${String(p[1])}] (${describe(c.routes[i]!)}, line ${lineOf(p)})`;
  };
  const byHost = new Map<string, number[]>();
  c.routes.forEach((r, i) => {
    const key = hostKey(r.from);
    if (key === undefined) return;
    const earlier = byHost.get(key) ?? [];
    const hit = earlier.find((j) => covers(c.routes[j]!, r));
    if (hit !== undefined) {
      out.push({
        code: 'route_shadowed',
        path: pathOf(i),
        message: `${label(i)} is never reached: ${label(hit)} on the same host matches its requests first (move the more specific route up)`,
      });
    }
    earlier.push(i);
    byHost.set(key, earlier);
  });
}

// Issue 15: regex_priority_order — among a host's regex routes, higher values match first (unset
// is 0, ties keep file order); other routes keep their places; other hosts are not affected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../../config/index.js';
import { buildRouteConfig } from '../../../envoy/build/build-route-config.js';

const YAML = `insecure_server: true
routes:
  - id: a
    from: http://app.test
    regex: "^/a/.*$"
    to: http://up.internal
  - id: x
    from: http://app.test
    prefix: /x
    to: http://up.internal
  - id: b
    from: http://app.test
    regex: "^/b/.*$"
    regex_priority_order: 5
    to: http://up.internal
  - id: c
    from: http://app.test
    regex: "^/c/.*$"
    regex_priority_order: 5
    to: http://up.internal
  - id: other
    from: http://other.test
    regex: "^/o/.*$"
    regex_priority_order: 9
    to: http://up.internal
`;

function routeIdsOf(host: string): string[] {
  const { config } = parseConfigText(YAML, { file: 'r.yaml', env: {} });
  const { resource } = buildRouteConfig(config);
  const vh = (resource.resource.virtual_hosts as { name: string; routes: Json[] }[]).find(
    (v) => v.name === host,
  )!;
  return vh.routes
    .map((r) => r.typed_per_filter_config)
    .map((t) => (t as Json | undefined)?.['envoy.filters.http.ext_authz'] as Json | undefined)
    .map(
      (e) =>
        ((e?.check_settings as Json | undefined)?.context_extensions as Json | undefined)?.route_id,
    )
    .filter((id): id is string => typeof id === 'string' && id !== '');
}
type Json = Record<string, unknown>;

test('higher regex_priority_order first among regex routes; ties and other routes keep file order', () => {
  assert.deepEqual(routeIdsOf('app.test'), ['b', 'x', 'c', 'a']);
});

test('another host is ordered on its own', () => {
  assert.deepEqual(routeIdsOf('other.test'), ['other']);
});

test('without regex_priority_order the file order stands', () => {
  const { config } = parseConfigText(YAML.replaceAll(/\n {4}regex_priority_order: \d+/g, ''), {
    file: 'r.yaml',
    env: {},
  });
  const { resource } = buildRouteConfig(config);
  const vh = (resource.resource.virtual_hosts as { name: string; routes: Json[] }[]).find(
    (v) => v.name === 'app.test',
  )!;
  const names = vh.routes.map((r) => JSON.stringify(r.match));
  const regexes = names.filter((n) => n.includes('safe_regex') && !n.includes('pomerium'));
  assert.deepEqual(
    regexes.map((n) => /\^\/(\w)\//.exec(JSON.parse(n).safe_regex.regex)?.[1]),
    ['a', 'b', 'c'],
  );
});

// A snapshot with any issue is never published, and each issue names the route it came from:
// unsupported routes, headers Envoy refuses, broken health checks, a route on the authenticate
// host, a TLS listener without a certificate; the consistency check catches dangling clusters,
// missing route configurations and duplicate names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../../config/index.js';
import { INTERNAL_PATHS_REGEX } from '../../../envoy/build/build-internal-routes.js';
import {
  buildSnapshot,
  checkSnapshotConsistency,
  type EnvoyBuildOptions,
  type EnvoyIssue,
  formatEnvoyIssues,
  type NamedResource,
  validateSnapshot,
} from '../../../envoy/index.js';
import { snapshotIssues } from '../../../envoy/validate/validate-snapshot.js';

const OPTS: EnvoyBuildOptions = {
  authz: [{ host: '127.0.0.1', port: 5443 }],
  authn: { host: '127.0.0.1', port: 5444 },
};
const HEAD =
  'insecure_server: true\nauthenticate_service_url: https://auth.example.com\nroutes:\n  - id: ok\n    from: https://ok.example.com\n    to: http://10.0.0.1\n';

function issuesOf(routes: string, head = HEAD): readonly EnvoyIssue[] {
  const { config } = parseConfigText(head + routes, { file: 't.yaml', env: {} });
  const snapshot = buildSnapshot(config, OPTS);
  const result = validateSnapshot(snapshot);
  const issues = result.ok ? [] : result.issues;
  // `portcullis validate` checks without encoding (snapshotIssues): the same issues
  assert.deepEqual(snapshotIssues(snapshot), issues);
  return issues;
}

const cases: {
  name: string;
  routes: string;
  head?: string;
  code: EnvoyIssue['code'];
  route?: string;
}[] = [
  {
    name: 'a TCP route',
    routes: '  - id: tcp\n    from: tcp+https://redis.example.com:6379\n    to: tcp://redis:6379\n',
    code: 'ENVOY_UNSUPPORTED',
    route: 'tcp',
  },
  {
    name: 'a unix socket upstream',
    routes: '  - id: sock\n    from: https://s.example.com\n    to: unix:///run/app.sock\n',
    code: 'ENVOY_UNSUPPORTED',
    route: 'sock',
  },
  {
    name: 'https mixed with http upstreams',
    routes: '  - id: mixed\n    from: https://m.example.com\n    to: [https://a, http://b]\n',
    code: 'ENVOY_UNSUPPORTED',
    route: 'mixed',
  },
  {
    name: 'a health check without interval and thresholds',
    routes:
      '  - id: hc\n    from: https://hc.example.com\n    to: http://a\n    health_checks: [{http_health_check: {path: /h}}]\n',
    code: 'ENVOY_RESOURCE_INVALID',
    route: 'hc',
  },
  {
    name: 'an outlier detection key Envoy does not know',
    routes:
      '  - id: od\n    from: https://od.example.com\n    to: http://a\n    outlier_detection: {consecutive_fives: 3}\n',
    code: 'ENVOY_RESOURCE_INVALID',
    route: 'od',
  },
  // Header names with CR/LF and regexes RE2 rejects never reach the snapshot: the config parser
  // refuses them (config/lib/check-edge-rules.ts, config/lib/re2-syntax.ts; test/unit/cli/validate).
  {
    name: 'a route on the authenticate host',
    routes: '  - id: auth\n    from: https://auth.example.com\n    to: http://a\n',
    code: 'ENVOY_SNAPSHOT_INCONSISTENT',
    route: 'auth',
  },
  {
    name: 'a TLS listener without a certificate',
    routes: '',
    head: HEAD.replace('insecure_server: true\n', ''),
    code: 'ENVOY_RESOURCE_INVALID',
  },
];

for (const c of cases) {
  test(`refuses a snapshot with ${c.name}, naming the route`, () => {
    const issues = issuesOf(c.routes, c.head);
    const hit = issues.find((i) => i.code === c.code);
    assert.ok(hit, JSON.stringify(issues));
    if (c.route !== undefined) {
      assert.equal(hit.route?.id, c.route);
      assert.match(formatEnvoyIssues([hit]), new RegExp(`routes\\[1\\] \\(route ${c.route}\\)`));
    }
    assert.ok(issues.every((i) => i.route === undefined || i.route.id !== 'ok'));
  });
}

test('accepts the same config without the bad route', () => {
  assert.deepEqual(issuesOf(''), []);
});

const res = (name: string, resource: Record<string, unknown>): NamedResource => ({
  name,
  resource,
});

test('the consistency check finds a route whose cluster is missing, a missing route configuration and duplicate names', () => {
  const route = res('main', {
    name: 'main',
    virtual_hosts: [
      {
        name: 'a',
        domains: ['a'],
        routes: [{ match: { prefix: '/' }, route: { cluster: 'gone' } }],
      },
      { name: 'b', domains: ['a'], routes: [] },
    ],
  });
  const listener = res('l', {
    name: 'l',
    filter_chains: [{ filters: [{ typed_config: { rds: { route_config_name: 'other' } } }] }],
  });
  const issues = checkSnapshotConsistency({
    resources: { cluster: [res('c', {}), res('c', {})], listener: [listener], route: [route] },
  });
  const fields = issues.map((i) => `${i.code} ${i.resource} ${i.field}`);
  assert.ok(
    fields.includes(
      'ENVOY_SNAPSHOT_INCONSISTENT route_configuration main virtual_hosts[0].routes[0].route.cluster',
    ),
  );
  assert.ok(
    fields.includes(
      'ENVOY_SNAPSHOT_INCONSISTENT route_configuration main virtual_hosts[1].domains',
    ),
  );
  assert.ok(fields.includes('ENVOY_SNAPSHOT_INCONSISTENT listener l filter_chains'));
  assert.ok(fields.includes('ENVOY_SNAPSHOT_INCONSISTENT cluster c name'));
});

test('internal routes come first on every route host, and policy routes keep config order', () => {
  const { config } = parseConfigText(
    `${HEAD}  - id: second\n    from: https://ok.example.com\n    prefix: /a\n    to: http://10.0.0.2\n`,
    { file: 't.yaml', env: {} },
  );
  const rc = buildSnapshot(config, OPTS).resources.route[0]!.resource as {
    virtual_hosts: {
      name: string;
      routes: {
        match: Record<string, unknown>;
        typed_per_filter_config: Record<string, unknown>;
      }[];
    }[];
  };
  const host = rc.virtual_hosts.find((v) => v.name === 'ok.example.com')!;
  const matches = host.routes.map((r) => JSON.stringify(r.match));
  assert.deepEqual(matches, [
    JSON.stringify({ safe_regex: { regex: INTERNAL_PATHS_REGEX } }),
    JSON.stringify({ prefix: '/' }),
    JSON.stringify({ prefix: '/a' }),
  ]);
  const internal = new RegExp(`^${INTERNAL_PATHS_REGEX}$`);
  for (const p of [
    '/ping',
    '/healthz',
    '/.pomerium',
    '/.pomerium/',
    '/.pomerium/callback/',
    '/.well-known/pomerium',
    '/.well-known/pomerium/jwks.json',
  ]) {
    assert.ok(internal.test(p), p);
  }
  for (const p of [
    '/pingx',
    '/.pomeriumx',
    '/a/.pomerium/',
    '/.well-known/pomeriumx',
    '/healthz/',
  ]) {
    assert.ok(!internal.test(p), p);
  }
  const auth = rc.virtual_hosts.find((v) => v.name === 'authenticate-auth.example.com')!;
  assert.deepEqual(auth.routes[0]!.typed_per_filter_config['envoy.filters.http.ext_authz'], {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
    disabled: true,
  });
});

test('settings the generator does not honour yet are warnings naming the route, and the snapshot still publishes', () => {
  const { config } = parseConfigText(
    `${HEAD}  - id: rw\n    from: https://rw.example.com\n    to: http://a\n    rewrite_response_headers: [{header: Location, prefix: "http://a/", value: "https://rw.example.com/"}]\n`,
    { file: 't.yaml', env: {} },
  );
  const snapshot = buildSnapshot(config, OPTS);
  assert.ok(validateSnapshot(snapshot).ok);
  assert.deepEqual(
    snapshot.warnings.map((w) => [w.code, w.route?.id]),
    [['ENVOY_UNSUPPORTED', 'rw']],
  );
});

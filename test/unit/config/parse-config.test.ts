import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type Config,
  type ConfigError,
  loadConfigFile,
  parseConfigText,
  runsService,
} from '../../../config/index.js';
import { SECRET, tempDir } from '../../helpers/config-fixtures.js';

const parse = (text: string, env: Record<string, string> = {}): Config =>
  parseConfigText(text, { file: 'test.yaml', env }).config;

test('applies the documented defaults to an empty file', () => {
  const c = parse('');
  assert.equal(c.services, 'all');
  assert.equal(c.cookie_name, '_pomerium');
  assert.equal(c.cookie_expire, 14 * 3_600_000);
  assert.equal(c.cookie_same_site, 'lax');
  assert.equal(c.default_upstream_timeout, 30_000);
  assert.equal(c.timeout_idle, 300_000);
  assert.equal(c.grpc_client_timeout, 10_000);
  assert.equal(c.groups_claim, 'groups');
  assert.equal(c.databroker_storage_type, 'memory');
  assert.deepEqual(c.idp_scopes, ['openid', 'profile', 'email', 'offline_access']);
  assert.deepEqual(c.programmatic_redirect_domain_whitelist, ['localhost']);
  assert.deepEqual(c.routes, []);
});

const normalised: [string, string, (c: Config) => unknown, unknown][] = [
  ['cookie_same_site', 'cookie_same_site: STRICT', (c) => c.cookie_same_site, 'strict'],
  [
    'a proto enum name',
    'routes: [{from: "https://a.example.com", to: "http://a", load_balancing_policy: LOAD_BALANCING_POLICY_RING_HASH}]',
    (c) => c.routes[0]?.load_balancing_policy,
    'ring_hash',
  ],
  ['an empty enum', 'codec_type: ""', (c) => c.codec_type, 'auto'],
  [
    'jwt_issuer_format IssuerURI',
    'jwt_issuer_format: IssuerURI',
    (c) => c.jwt_issuer_format,
    'uri',
  ],
  [
    'the cache service alias',
    `services: authorize,cache\nshared_secret: ${SECRET}`,
    (c) => c.services,
    'authorize,databroker',
  ],
  [
    'jwt_claims_headers as a string',
    'jwt_claims_headers: email,groups',
    (c) => c.jwt_claims_headers,
    { 'X-Pomerium-Claim-Email': 'email', 'X-Pomerium-Claim-Groups': 'groups' },
  ],
  [
    'jwt_claims_headers as a list',
    'jwt_claims_headers: [given_name]',
    (c) => c.jwt_claims_headers,
    { 'X-Pomerium-Claim-Given-Name': 'given_name' },
  ],
  [
    'jwt_claims_headers as a map',
    'jwt_claims_headers: {X-Email: email}',
    (c) => c.jwt_claims_headers,
    { 'X-Email': 'email' },
  ],
  [
    'to as one string',
    'routes: [{from: "https://a.example.com", to: "http://a:80"}]',
    (c) => c.routes[0]?.to,
    [{ url: 'http://a:80' }],
  ],
  [
    'weighted upstreams',
    'routes: [{from: "https://a.example.com", to: ["http://a:80,1", "http://b:80,3"]}]',
    (c) => c.routes[0]?.to,
    [
      { url: 'http://a:80', weight: 1 },
      { url: 'http://b:80', weight: 3 },
    ],
  ],
  [
    'a route timeout',
    'routes: [{from: "https://a.example.com", to: "http://a", timeout: 1h30m}]',
    (c) => c.routes[0]?.timeout,
    5_400_000,
  ],
  [
    'a wildcard from',
    'routes: [{from: "https://*.example.com", to: "http://a"}]',
    (c) => c.routes[0]?.from,
    'https://*.example.com',
  ],
];

for (const [what, yaml, pick, want] of normalised) {
  test(`normalises ${what}`, () => {
    assert.deepEqual(pick(parse(yaml)), want);
  });
}

test('places the legacy policy list before routes', () => {
  const c = parse(
    'routes: [{from: "https://b.example.com", to: "http://b"}]\npolicy: [{from: "https://a.example.com", to: "http://a"}]\n',
  );
  assert.deepEqual(
    c.routes.map((r) => r.from),
    ['https://a.example.com', 'https://b.example.com'],
  );
});

test('keeps an explicit route id and derives a stable one otherwise', () => {
  const base = 'routes:\n  - from: https://a.example.com\n    to: http://a\n';
  const id = parse(base).routes[0]?.id;
  assert.match(id ?? '', /^[0-9a-f]{16}$/);
  assert.equal(parse(`${base}    allow_websockets: true\n    timeout: 5s\n`).routes[0]?.id, id);
  assert.notEqual(parse(`${base}    prefix: /x\n`).routes[0]?.id, id);
  assert.notEqual(parse(base.replace('http://a', 'http://b')).routes[0]?.id, id);
  assert.equal(parse(`${base}    id: mine\n`).routes[0]?.id, 'mine');
});

test('keeps the route policy as raw data', () => {
  const c = parse(
    'routes:\n  - from: https://a.example.com\n    to: http://a\n    policy: {allow: {or: [{email: {is: a@b.c}}]}}\n',
  );
  assert.deepEqual(c.routes[0]?.policy, { allow: { or: [{ email: { is: 'a@b.c' } }] } });
});

test('deep-freezes the result', () => {
  const c = parse(
    'routes: [{from: "https://a.example.com", to: "http://a", policy: {allow: {or: []}}}]',
  );
  assert.ok(Object.isFrozen(c));
  assert.ok(Object.isFrozen(c.routes));
  assert.ok(Object.isFrozen(c.routes[0]?.to));
  const policy = c.routes[0]?.policy as { allow: object };
  assert.ok(Object.isFrozen(policy.allow));
});

test('lets environment variables override file keys', () => {
  const routes = Buffer.from('[{from: "https://e.example.com", to: "http://e"}]').toString(
    'base64',
  );
  const c = parse('cookie_expire: 1h\nshared_secret: x\n', {
    COOKIE_EXPIRE: '2h',
    SHARED_SECRET: SECRET,
    INSECURE_SERVER: 'true',
    IDP_CLIENT_ID: '12345',
    ROUTES: routes,
    POLICY: '[{from: "https://p.example.com", to: "http://p"}]',
  });
  assert.equal(c.cookie_expire, 7_200_000);
  assert.equal(c.shared_secret, SECRET);
  assert.equal(c.insecure_server, true);
  assert.equal(c.idp_client_id, '12345');
  assert.deepEqual(
    c.routes.map((r) => r.from),
    ['https://p.example.com', 'https://e.example.com'],
  );
});

test('reads secrets from their _file keys, relative to the config file', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'secret'), `${SECRET}\n`);
  writeFileSync(join(dir, 'config.yaml'), 'shared_secret_file: secret\n');
  const { config } = await loadConfigFile(join(dir, 'config.yaml'), { env: {} });
  assert.equal(config.shared_secret, SECRET);
  assert.equal(config.shared_secret_file, undefined);
});

test('locates keys of the merged route list in the source', () => {
  const loaded = parseConfigText(
    [
      'policy:',
      '  - from: https://a.example.com',
      '    to: http://a',
      'routes:',
      '  - from: https://b.example.com',
      '    to: http://b',
      '    policy:',
      '      allow:',
      '        and:',
      '          - email: {is: x@y.z}',
    ].join('\n'),
    { file: 'f.yaml', env: {} },
  );
  assert.deepEqual(loaded.locate(['routes', 1, 'policy', 'allow', 'and', 0]), {
    line: 10,
    column: 13,
  });
  assert.deepEqual(loaded.locate(['routes', 0, 'to']), { line: 3, column: 9 });
});

test('accepts the same config written as JSON', () => {
  const c = parse(
    '{"routes": [{"from": "https://a.example.com", "to": "http://a", "timeout": "5s"}]}',
  );
  assert.equal(c.routes[0]?.timeout, 5000);
});

test('lets SHARED_SECRET_FILE from the environment replace shared_secret from the file', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'secret'), SECRET);
  writeFileSync(join(dir, 'config.yaml'), 'shared_secret: c2hvcnQ=\n');
  const env = { SHARED_SECRET_FILE: join(dir, 'secret') };
  const { config } = await loadConfigFile(join(dir, 'config.yaml'), { env });
  assert.equal(config.shared_secret, SECRET);
});

test('reports a bad secret read from a file at its _file key without the value', async () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'secret'), 'dG9vLXNob3J0');
  writeFileSync(join(dir, 'config.yaml'), 'cookie_name: x\nshared_secret_file: secret\n');
  await assert.rejects(loadConfigFile(join(dir, 'config.yaml'), { env: {} }), (err: unknown) => {
    const issue = (err as ConfigError).issues[0];
    assert.deepEqual(
      [issue?.code, issue?.path, issue?.line],
      ['invalid_secret', 'shared_secret', 2],
    );
    assert.ok(!issue?.message.includes('dG9vLXNob3J0'));
    return true;
  });
});

test('warns about unsafe development settings without refusing them', () => {
  const loaded = parseConfigText(
    `insecure_server: true\nshared_secret: ${SECRET}\nroutes:\n  - from: https://a.example.com\n    to: https://a\n    tls_skip_verify: true\n`,
    { file: 'w.yaml', env: {} },
  );
  assert.deepEqual(
    loaded.warnings.map((w) => [w.code, w.path, w.line]),
    [
      ['insecure_setting', '', 1],
      ['insecure_setting', 'insecure_server', 1],
      ['insecure_setting', 'routes[0].tls_skip_verify', 6],
    ],
  );
});

test('supports YAML anchors and merge keys', () => {
  const c = parse(
    [
      'routes:',
      '  - &common',
      '    from: https://a.example.com',
      '    to: http://a',
      '    allow_websockets: true',
      '  - <<: *common',
      '    from: https://b.example.com',
    ].join('\n'),
  );
  assert.deepEqual(
    c.routes.map((r) => [r.from, r.allow_websockets]),
    [
      ['https://a.example.com', true],
      ['https://b.example.com', true],
    ],
  );
});

test('tells which services a config runs', () => {
  assert.equal(runsService(parse(''), 'authorize'), true);
  const split = parse(`services: authorize,proxy\nshared_secret: ${SECRET}\n`);
  assert.equal(runsService(split, 'proxy'), true);
  assert.equal(runsService(split, 'authenticate'), false);
});

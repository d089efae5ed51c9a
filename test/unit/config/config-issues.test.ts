import assert from 'node:assert/strict';
import { test } from 'node:test';
import { issuesOf, SECRET } from '../../helpers/config-fixtures.js';

interface Case {
  name: string;
  yaml: string;
  env?: Record<string, string>;
  /** [code, path, line, column] of every expected issue, in position order. */
  want: [string, string, number, number][];
}

const route = (extra: string): string =>
  `routes:\n  - from: https://app.example.com\n    to: http://app:8080\n${extra}`;

const cases: Case[] = [
  {
    name: 'reports the three mistakes of the issue at once with their positions',
    yaml: [
      'authenticate_service_url: https://auth.example.com',
      'cookie_secure_flag: true',
      'routes:',
      '  - from: https://a.example.com',
      '    to: [http://ok:80, "not a url"]',
      '  - from: https://b.example.com',
      '    to: http://b:80',
      '    prefix_rewrite: /x',
      '    regex_rewrite_pattern: ^/y',
    ].join('\n'),
    want: [
      ['unknown_key', 'cookie_secure_flag', 2, 1],
      ['invalid_url', 'routes[0].to[1]', 5, 24],
      ['conflicting_keys', 'routes[1].regex_rewrite_pattern', 9, 5],
    ],
  },
  {
    name: 'names a removed route key as removed',
    yaml: route('    allowed_groups: [admins]\n'),
    want: [['removed_key', 'routes[0].allowed_groups', 4, 5]],
  },
  {
    name: 'names a removed global key as removed',
    yaml: 'client_ca: abc\n',
    want: [['removed_key', 'client_ca', 1, 1]],
  },
  {
    name: 'rejects a from URL with a path',
    yaml: 'routes:\n  - from: https://app.example.com/admin\n    to: http://a:80\n',
    want: [['invalid_url', 'routes[0].from', 2, 11]],
  },
  {
    name: 'rejects a route with neither to, redirect nor response',
    yaml: 'routes:\n  - from: https://app.example.com\n',
    want: [['missing_key', 'routes[0]', 2, 5]],
  },
  {
    name: 'rejects a route with both to and response',
    yaml: route('    response: {status: 200}\n'),
    want: [['conflicting_keys', 'routes[0].response', 4, 5]],
  },
  {
    name: 'rejects a route without from',
    yaml: 'routes:\n  - to: http://a:80\n',
    want: [['missing_key', 'routes[0].from', 2, 5]],
  },
  {
    name: 'rejects weights on some upstreams only',
    yaml: 'routes:\n  - from: https://a.example.com\n    to: ["http://a:80,1", "http://b:80"]\n',
    want: [['invalid_value', 'routes[0].to', 3, 9]],
  },
  {
    name: 'rejects a zero weight',
    yaml: 'routes:\n  - from: https://a.example.com\n    to: ["http://a:80,0"]\n',
    want: [['invalid_value', 'routes[0].to[0]', 3, 10]],
  },
  {
    name: 'rejects mixing tcp and http upstreams',
    yaml: 'routes:\n  - from: https://a.example.com\n    to: ["tcp://a:80", "http://b:80"]\n',
    want: [['invalid_value', 'routes[0].to', 3, 9]],
  },
  {
    name: 'rejects a public route that also lists users (legacy rule)',
    yaml: route(
      '    allow_public_unauthenticated_access: true\n    allowed_users: [a@example.com]\n',
    ),
    want: [['conflicting_keys', 'routes[0].allow_public_unauthenticated_access', 4, 5]],
  },
  {
    name: 'rejects allow_any_authenticated_user with allowed_domains (legacy rule)',
    yaml: route('    allow_any_authenticated_user: true\n    allowed_domains: [example.com]\n'),
    want: [['conflicting_keys', 'routes[0].allow_any_authenticated_user', 4, 5]],
  },
  {
    name: 'rejects a client certificate without its key',
    yaml: route('    tls_client_cert: abc\n'),
    want: [['missing_key', 'routes[0].tls_client_cert', 4, 22]],
  },
  {
    name: 'rejects a regex that does not compile',
    yaml: route('    regex: "^/(a"\n'),
    want: [['invalid_regex', 'routes[0].regex', 4, 12]],
  },
  {
    name: 'rejects a prefix that does not start with a slash',
    yaml: route('    prefix: api\n'),
    want: [['invalid_value', 'routes[0].prefix', 4, 13]],
  },
  {
    name: 'rejects a bad duration',
    yaml: 'cookie_expire: 14 hours\n',
    want: [['invalid_duration', 'cookie_expire', 1, 16]],
  },
  {
    name: 'rejects a bad enum value',
    yaml: 'cookie_same_site: sometimes\n',
    want: [['invalid_enum', 'cookie_same_site', 1, 19]],
  },
  {
    name: 'rejects an access log field Pomerium does not know',
    yaml: 'access_log_fields:\n  - request-id\n  - bogus-field\n',
    want: [['invalid_enum', 'access_log_fields[1]', 3, 5]],
  },
  {
    name: 'rejects an authorize log field Pomerium does not know',
    yaml: 'authorize_log_fields: request-id,route\n',
    want: [['invalid_enum', 'authorize_log_fields[1]', 1, 23]],
  },
  {
    name: 'rejects a wrong type',
    yaml: 'insecure_server: [yes]\n',
    want: [['invalid_type', 'insecure_server', 1, 18]],
  },
  {
    name: 'rejects a shared secret that is not 32 bytes of base64',
    yaml: 'shared_secret: c2hvcnQ=\n',
    want: [['invalid_secret', 'shared_secret', 1, 16]],
  },
  {
    name: 'requires shared_secret outside all-in-one mode',
    yaml: 'services: authorize\n',
    want: [['missing_key', 'services', 1, 11]],
  },
  {
    name: 'requires a connection string for postgres storage',
    yaml: 'databroker_storage_type: postgres\n',
    want: [['missing_key', 'databroker_storage_type', 1, 26]],
  },
  {
    name: 'rejects an unknown service',
    yaml: `services: authorize,frontend\nshared_secret: ${SECRET}\n`,
    want: [['invalid_enum', 'services', 1, 11]],
  },
  {
    name: 'rejects two routes with the same id',
    yaml: 'routes:\n  - {id: r1, from: "https://a.example.com", to: "http://a"}\n  - {id: r1, from: "https://b.example.com", to: "http://b"}\n',
    want: [['duplicate_route_id', 'routes[1].id', 3, 10]],
  },
  {
    name: 'counts legacy policy entries in their own list',
    yaml: 'policy:\n  - from: https://a.example.com\n    to: http://a\n    bogus: 1\n',
    want: [['unknown_key', 'policy[0].bogus', 4, 5]],
  },
  {
    name: 'rejects an invalid header name in jwt_claims_headers',
    yaml: 'jwt_claims_headers: {"X Bad": email}\n',
    want: [['invalid_value', 'jwt_claims_headers', 1, 21]],
  },
  {
    name: 'rejects a redirect with both path_redirect and prefix_rewrite',
    yaml: 'routes:\n  - from: https://a.example.com\n    redirect: {path_redirect: /a, prefix_rewrite: /b}\n',
    want: [['conflicting_keys', 'routes[0].redirect.prefix_rewrite', 3, 35]],
  },
  {
    name: 'reports a YAML syntax error with its position',
    yaml: 'routes:\n  - from: [unclosed\n',
    want: [['yaml_syntax', '', 3, 1]],
  },
  {
    name: 'rejects __proto__ as an unknown key without touching prototypes',
    yaml: '__proto__: {cookie_name: evil}\nroutes:\n  - {from: "https://a.example.com", to: "http://a", __proto__: {x: 1}}\n',
    want: [
      ['unknown_key', '__proto__', 1, 1],
      ['unknown_key', 'routes[0].__proto__', 3, 53],
    ],
  },
  {
    name: 'refuses a billion-laughs document instead of expanding it',
    yaml: [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]',
    ].join('\n'),
    want: [['yaml_syntax', '', 1, 1]],
  },
  {
    name: 'rejects a document that is a list',
    yaml: '- a\n- b\n',
    want: [['invalid_type', '', 1, 1]],
  },
  {
    name: 'rejects routes that are not maps',
    yaml: 'routes: [1, "x"]\n',
    want: [
      ['invalid_type', 'routes[0]', 1, 10],
      ['invalid_type', 'routes[1]', 1, 13],
    ],
  },
  {
    name: 'positions a value from the environment at its variable',
    yaml: '',
    env: { COOKIE_EXPIRE: 'soon' },
    want: [['invalid_duration', 'cookie_expire', 0, 0]],
  },
];

for (const c of cases) {
  test(c.name, () => {
    const got = issuesOf(c.yaml, c.env).map((i) => [i.code, i.path, i.line, i.column]);
    assert.deepEqual(got, c.want);
  });
}

test('suggests the nearest known key for a misspelt one', () => {
  const [issue] = issuesOf('shared_secert: x\n');
  assert.equal(issue?.code, 'unknown_key');
  assert.match(issue?.message ?? '', /did you mean "shared_secret"/);
});

test('marks issues from the environment with the variable name as the file', () => {
  const [issue] = issuesOf('', { COOKIE_EXPIRE: 'soon' });
  assert.equal(issue?.file, 'env:COOKIE_EXPIRE');
});

test('never puts a secret value in a message', () => {
  const leaked = 'c3VwZXItc2VjcmV0LXZhbHVlLXRoYXQtbGVha3M=';
  const issues = issuesOf(
    `shared_secret: ${leaked}\ncookie_secret: [${leaked}]\nsigning_key: ${leaked}\n`,
  );
  assert.deepEqual(
    issues.map((i) => i.code),
    ['invalid_secret', 'invalid_type', 'invalid_secret'],
  );
  for (const i of issues) assert.ok(!i.message.includes(leaked) && !i.message.includes('super'));
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePolicyDocument } from '../../../../authz/index.js';
import { ConfigError } from '../../../../config/index.js';
import { policyErrors } from './route-policies-fixtures.js';

/** One route whose policy is `policy` (YAML, indented under `policy:`). */
function route(policy: string): string {
  return `routes:\n  - from: https://a.example.com\n    to: http://a\n    policy:\n${policy}`;
}

const CASES: { name: string; policy: string; path: string; line: number }[] = [
  {
    name: 'unknown criterion',
    policy: '      allow:\n        and:\n          - emial: x\n',
    path: 'routes[0].policy.allow.and[0].emial',
    line: 8,
  },
  {
    name: 'unsupported Pomerium criterion',
    policy: '      allow:\n        and:\n          - device: {}\n',
    path: 'routes[0].policy.allow.and[0].device',
    line: 8,
  },
  {
    name: 'subpath on a criterion without one',
    policy: '      allow:\n        and:\n          - email/x: a\n',
    path: 'routes[0].policy.allow.and[0].email/x',
    line: 8,
  },
  {
    name: 'claim without a name',
    policy: '      allow:\n        and:\n          - claim: a\n',
    path: 'routes[0].policy.allow.and[0].claim',
    line: 8,
  },
  {
    name: 'unknown action',
    policy: '      permit:\n        and: []\n',
    path: 'routes[0].policy.permit',
    line: 6,
  },
  {
    name: 'unknown operator',
    policy: '      allow:\n        xor:\n          - accept: true\n',
    path: 'routes[0].policy.allow.xor',
    line: 8,
  },
  {
    name: 'operator value not a list',
    policy: '      allow:\n        and: {accept: true}\n',
    path: 'routes[0].policy.allow.and',
    line: 7,
  },
  {
    name: 'criterion with two keys',
    policy: '      allow:\n        and:\n          - {accept: true, reject: true}\n',
    path: 'routes[0].policy.allow.and[0]',
    line: 8,
  },
  {
    name: 'action not an object',
    policy: '      allow: [accept]\n',
    path: 'routes[0].policy.allow',
    line: 6,
  },
  {
    name: 'policy of the wrong type',
    policy: '      "allow everyone"\n',
    path: 'routes[0].policy',
    line: 6,
  },
  {
    name: 'rule in a list not an object',
    policy: '      - 42\n',
    path: 'routes[0].policy[0]',
    line: 6,
  },
  {
    name: 'unknown string matcher operator',
    policy: '      allow:\n        and:\n          - email: {equals: a}\n',
    path: 'routes[0].policy.allow.and[0].email.equals',
    line: 8,
  },
  {
    name: 'string matcher operator with a number',
    policy: '      allow:\n        and:\n          - email: {is: 5}\n',
    path: 'routes[0].policy.allow.and[0].email.is',
    line: 8,
  },
  {
    name: 'in with a non-list',
    policy: '      allow:\n        and:\n          - http_method: {in: GET}\n',
    path: 'routes[0].policy.allow.and[0].http_method.in',
    line: 8,
  },
  {
    name: 'empty string matcher',
    policy: '      allow:\n        and:\n          - email: {}\n',
    path: 'routes[0].policy.allow.and[0].email',
    line: 8,
  },
  {
    name: 'string matcher given a list',
    policy: '      allow:\n        and:\n          - email: [a, b]\n',
    path: 'routes[0].policy.allow.and[0].email',
    line: 8,
  },
  {
    name: 'unknown list matcher operator',
    policy: '      allow:\n        and:\n          - groups: {contains: a}\n',
    path: 'routes[0].policy.allow.and[0].groups.contains',
    line: 8,
  },
  {
    name: 'list matcher with an object value',
    policy: '      allow:\n        and:\n          - groups: {has: {a: 1}}\n',
    path: 'routes[0].policy.allow.and[0].groups.has',
    line: 8,
  },
  {
    name: 'bad source_ip',
    policy: '      allow:\n        and:\n          - source_ip: [10.0.0.0/8, 300.1.1.1]\n',
    path: 'routes[0].policy.allow.and[0].source_ip[1]',
    line: 8,
  },
  {
    name: 'bad CIDR prefix',
    policy: '      allow:\n        and:\n          - source_ip: 10.0.0.0/33\n',
    path: 'routes[0].policy.allow.and[0].source_ip',
    line: 8,
  },
  {
    name: 'unknown certificate matcher key',
    policy: '      allow:\n        and:\n          - client_certificate: {subject: x}\n',
    path: 'routes[0].policy.allow.and[0].client_certificate.subject',
    line: 8,
  },
  {
    name: 'bad fingerprint',
    policy: '      allow:\n        and:\n          - client_certificate: {fingerprint: abc}\n',
    path: 'routes[0].policy.allow.and[0].client_certificate.fingerprint',
    line: 8,
  },
  {
    name: 'bad spki_hash',
    policy: '      allow:\n        and:\n          - client_certificate: {spki_hash: "aGVsbG8="}\n',
    path: 'routes[0].policy.allow.and[0].client_certificate.spki_hash',
    line: 8,
  },
  {
    name: 'bad SAN matcher',
    policy: '      allow:\n        and:\n          - client_certificate: {san_dns: {sw: x}}\n',
    path: 'routes[0].policy.allow.and[0].client_certificate.san_dns.sw',
    line: 8,
  },
];

for (const c of CASES) {
  test(`policy error: ${c.name} is a positioned invalid_policy issue`, () => {
    const issues = policyErrors(route(c.policy));
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0]!.code, 'invalid_policy');
    assert.equal(issues[0]!.path, c.path);
    assert.equal(issues[0]!.line, c.line);
    assert.equal(issues[0]!.file, 'test.yaml');
    assert.ok(issues[0]!.column > 0);
  });
}

test('every problem of every route is reported, sorted by position', () => {
  const text = `routes:
  - from: https://a.example.com
    to: http://a
    policy: {allow: {and: [{emial: x}]}}
  - from: https://b.example.com
    to: http://b
    allowed_idp_claims:
      groups: [{nested: true}]
    policy:
      deny:
        or:
          - reject: true
          - nope: 1
`;
  const issues = policyErrors(text);
  assert.deepEqual(
    issues.map((i) => [i.code, i.path, i.line]),
    [
      ['invalid_policy', 'routes[0].policy.allow.and[0].emial', 5],
      ['invalid_policy', 'routes[1].allowed_idp_claims.groups[0].nested', 9],
      ['invalid_policy', 'routes[1].policy.deny.or[1].nope', 14],
    ],
  );
});

test('a valid config has no policy issues', () => {
  assert.deepEqual(
    policyErrors(route('      allow:\n        or:\n          - accept: true\n')),
    [],
  );
});

test('compilePolicyDocument throws CONFIG_INVALID with invalid_policy issues', () => {
  assert.throws(
    () => compilePolicyDocument({ allow: { and: [{ nope: 1 }] } }, { file: 'p.yaml' }),
    (err: unknown) =>
      err instanceof ConfigError &&
      err.code === 'CONFIG_INVALID' &&
      err.issues[0]?.code === 'invalid_policy' &&
      err.issues[0].file === 'p.yaml' &&
      err.issues[0].path === 'allow.and[0].nope',
  );
});

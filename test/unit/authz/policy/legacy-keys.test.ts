import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyIdentity } from '../../../../authz/index.js';
import { identity, NOW, type RequestSpec, request, VALID_CERT } from './policy-fixtures.js';
import { policiesOf } from './route-policies-fixtures.js';

function decideRoute(
  routeYaml: string,
  id: PolicyIdentity | null,
  spec: RequestSpec = {},
  extra = '',
) {
  const text = `${extra}routes:\n  - from: https://app.example.com\n    to: http://app\n    id: r\n${routeYaml}`;
  return policiesOf(text).get('r')!.evaluate(request(spec), id, { now: NOW });
}

const alice = identity({ userId: 'sub-a', email: 'alice@example.com' });

const CASES: {
  name: string;
  yaml: string;
  id: PolicyIdentity | null;
  req?: RequestSpec;
  outcome: string;
  reasons: string[];
}[] = [
  {
    name: 'allow_public_unauthenticated_access lets anonymous in',
    yaml: '    allow_public_unauthenticated_access: true\n',
    id: null,
    outcome: 'allow',
    reasons: ['accept'],
  },
  {
    name: 'allow_any_authenticated_user needs a session',
    yaml: '    allow_any_authenticated_user: true\n',
    id: null,
    outcome: 'login',
    reasons: ['user-unauthenticated'],
  },
  {
    name: 'allow_any_authenticated_user allows any user',
    yaml: '    allow_any_authenticated_user: true\n',
    id: alice,
    outcome: 'allow',
    reasons: ['user-ok'],
  },
  {
    name: 'cors_allow_preflight allows a preflight without a session',
    yaml: '    cors_allow_preflight: true\n    allowed_domains: [example.com]\n',
    id: null,
    req: {
      method: 'OPTIONS',
      headers: { origin: 'https://x', 'access-control-request-method': 'GET' },
    },
    outcome: 'allow',
    reasons: ['cors-request'],
  },
  {
    name: 'allowed_domains is domain is',
    yaml: '    allowed_domains: [example.org, example.com]\n',
    id: alice,
    outcome: 'allow',
    reasons: ['domain-ok'],
  },
  {
    name: 'allowed_users matches the email',
    yaml: '    allowed_users: [alice@example.com]\n',
    id: alice,
    outcome: 'allow',
    reasons: ['email-ok'],
  },
  {
    name: 'allowed_users matches the user id',
    yaml: '    allowed_users: [sub-a]\n',
    id: alice,
    outcome: 'allow',
    reasons: ['user-ok'],
  },
  {
    name: 'allowed_users denies others with both reasons',
    yaml: '    allowed_users: [bob@example.com]\n',
    id: alice,
    outcome: 'deny',
    reasons: ['email-unauthorized', 'user-unauthorized'],
  },
  {
    name: 'allowed_idp_claims has semantics',
    yaml: '    allowed_idp_claims:\n      department: [sales, eng]\n',
    id: identity({ claims: { department: ['eng'] } }),
    outcome: 'allow',
    reasons: ['claim-ok'],
  },
  {
    name: 'sub_policies lists are appended',
    yaml: '    allowed_users: [bob@example.com]\n    sub_policies:\n      - allowed_domains: [example.com]\n',
    id: alice,
    outcome: 'allow',
    reasons: ['domain-ok'],
  },
  {
    name: 'legacy keys and policy are OR-merged',
    yaml: '    allowed_users: [bob@example.com]\n    policy:\n      allow:\n        or:\n          - email: alice@example.com\n',
    id: alice,
    outcome: 'allow',
    reasons: ['email-ok'],
  },
  {
    name: 'a route with no policy denies everyone with 403',
    yaml: '',
    id: null,
    outcome: 'deny',
    reasons: [],
  },
];

for (const c of CASES) {
  test(`legacy keys: ${c.name}`, () => {
    const d = decideRoute(c.yaml, c.id, c.req);
    assert.equal(d.outcome, c.outcome);
    assert.deepEqual(d.reasons, c.reasons);
  });
}

const CA = 'downstream_mtls:\n  ca: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t\n';

test('a downstream client CA adds the default deny rule: no certificate → 495', () => {
  const d = decideRoute('    allow_public_unauthenticated_access: true\n', null, {}, CA);
  assert.equal(d.status, 495);
  assert.deepEqual(d.denyReasons, ['client-certificate-required']);
});

test('the default deny rule passes a valid certificate', () => {
  const d = decideRoute(
    '    allow_public_unauthenticated_access: true\n',
    null,
    { cert: VALID_CERT },
    CA,
  );
  assert.equal(d.outcome, 'allow');
  assert.deepEqual(d.denyReasons, ['valid-client-certificate']);
});

test('enforcement policy leaves the default deny rule out', () => {
  const d = decideRoute(
    '    allow_public_unauthenticated_access: true\n',
    null,
    {},
    `${CA}  enforcement: policy\n`,
  );
  assert.equal(d.outcome, 'allow');
});

test('a per-route client CA adds the default deny rule too', () => {
  const d = decideRoute(
    '    allow_public_unauthenticated_access: true\n    tls_downstream_client_ca: LS0tLS1CRUdJTi0tLS0t\n',
    null,
    { cert: { ...VALID_CERT, valid: false } },
  );
  assert.equal(d.status, 495);
  assert.deepEqual(d.reasons, ['invalid-client-certificate']);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROUTE_NOT_FOUND } from '../../../../authz/index.js';
import { decideDoc, identity, VALID_CERT } from './policy-fixtures.js';

const good = identity({ email: 'good@x' });
const bad = identity({ email: 'bad@x' });
const json = { headers: { accept: 'application/json' } };

const CASES: {
  name: string;
  doc: unknown;
  id: ReturnType<typeof identity> | null;
  req?: Parameters<typeof decideDoc>[2];
  outcome: string;
  status: number;
  reasons: string[];
}[] = [
  {
    name: 'domain match → 200',
    doc: { allow: { and: [{ domain: { is: 'example.com' } }] } },
    id: identity({ email: 'a@example.com' }),
    outcome: 'allow',
    status: 200,
    reasons: ['domain-ok'],
  },
  {
    name: 'other domain → 403',
    doc: { allow: { and: [{ domain: { is: 'example.com' } }] } },
    id: identity({ email: 'a@other.com' }),
    outcome: 'deny',
    status: 403,
    reasons: ['domain-unauthorized'],
  },
  {
    name: 'anonymous browser → login 302',
    doc: { allow: { and: [{ domain: { is: 'example.com' } }] } },
    id: null,
    outcome: 'login',
    status: 302,
    reasons: ['user-unauthenticated'],
  },
  {
    name: 'anonymous API client → login 401',
    doc: { allow: { and: [{ domain: { is: 'example.com' } }] } },
    id: null,
    req: json,
    outcome: 'login',
    status: 401,
    reasons: ['user-unauthenticated'],
  },
  {
    name: 'accept → 200 for anonymous, no login',
    doc: { allow: { or: [{ accept: true }] } },
    id: null,
    outcome: 'allow',
    status: 200,
    reasons: ['accept'],
  },
  {
    name: 'POST to a GET-only path is 403 without login',
    doc: { allow: { and: [{ http_method: 'GET' }, { http_path: { starts_with: '/api' } }] } },
    id: null,
    req: { method: 'POST', url: 'https://app.example.com/api/x' },
    outcome: 'deny',
    status: 403,
    reasons: ['http-method-unauthorized'],
  },
  {
    name: 'deny wins over allow',
    doc: { allow: { or: [{ accept: true }] }, deny: { or: [{ email: 'bad@x' }] } },
    id: bad,
    outcome: 'deny',
    status: 403,
    reasons: ['email-ok'],
  },
  {
    name: 'deny side unauthenticated forces login even when allow passed',
    doc: { allow: { or: [{ accept: true }] }, deny: { or: [{ email: 'bad@x' }] } },
    id: null,
    outcome: 'login',
    status: 302,
    reasons: ['user-unauthenticated'],
  },
  {
    name: 'or keeps only passing reasons: accept or email lets anonymous through',
    doc: { allow: { or: [{ accept: true }, { email: 'x@x' }] } },
    id: null,
    outcome: 'allow',
    status: 200,
    reasons: ['accept'],
  },
  {
    name: 'no policy → 403 without login, even anonymous',
    doc: [],
    id: null,
    outcome: 'deny',
    status: 403,
    reasons: [],
  },
  {
    name: 'not email: good user allowed',
    doc: { allow: { not: [{ email: { is: 'bad@x' } }] } },
    id: good,
    outcome: 'allow',
    status: 200,
    reasons: ['email-unauthorized'],
  },
  {
    name: 'not email: bad user 403',
    doc: { allow: { not: [{ email: { is: 'bad@x' } }] } },
    id: bad,
    outcome: 'deny',
    status: 403,
    reasons: ['email-ok'],
  },
  {
    name: 'not email: anonymous → login',
    doc: { allow: { not: [{ email: { is: 'bad@x' } }] } },
    id: null,
    outcome: 'login',
    status: 302,
    reasons: ['user-unauthenticated'],
  },
  {
    name: 'missing client certificate on the deny side → 495 before login',
    doc: {
      allow: { and: [{ email: 'good@x' }] },
      deny: { or: [{ invalid_client_certificate: true }] },
    },
    id: null,
    outcome: 'deny',
    status: 495,
    reasons: ['client-certificate-required'],
  },
  {
    name: 'invalid client certificate → 495',
    doc: {
      allow: { and: [{ accept: true }] },
      deny: { or: [{ invalid_client_certificate: true }] },
    },
    id: good,
    req: { cert: { ...VALID_CERT, valid: false } },
    outcome: 'deny',
    status: 495,
    reasons: ['invalid-client-certificate'],
  },
  {
    name: 'valid client certificate passes the deny rule',
    doc: {
      allow: { and: [{ accept: true }] },
      deny: { or: [{ invalid_client_certificate: true }] },
    },
    id: good,
    req: { cert: VALID_CERT },
    outcome: 'allow',
    status: 200,
    reasons: ['accept'],
  },
  {
    name: 'allow side requiring a certificate answers 495 when it is missing',
    doc: { allow: { not: [{ invalid_client_certificate: true }] } },
    id: null,
    outcome: 'deny',
    status: 495,
    reasons: ['client-certificate-required'],
  },
];

for (const c of CASES) {
  test(`decision: ${c.name}`, () => {
    const d = decideDoc(c.doc, c.id, c.req);
    assert.equal(d.outcome, c.outcome);
    assert.equal(d.status, c.status);
    assert.deepEqual(d.reasons, c.reasons);
    if (d.outcome !== 'deny') assert.deepEqual(d.failures, []);
  });
}

test('a denial by a deny rule names the matching criterion as the failure', () => {
  const d = decideDoc(
    { allow: { or: [{ accept: true }] }, deny: { or: [{ email: 'bad@x' }] } },
    identity({ email: 'bad@x' }),
  );
  assert.deepEqual(
    d.failures.map((f) => [f.criterion, f.reason, f.wanted]),
    [['email', 'email-ok', 'email must not be `bad@x`']],
  );
});

test('a denial by `not` names the criterion that held, negated', () => {
  const d = decideDoc(
    { allow: { not: [{ groups: 'contractors' }] } },
    identity({ groups: ['contractors'] }),
  );
  assert.deepEqual(
    d.failures.map((f) => [f.criterion, f.wanted, f.got]),
    [['groups', 'groups must not contain `contractors`', 'you are in `contractors`']],
  );
});

test('a denial by an or block names every criterion of it', () => {
  const d = decideDoc(
    { allow: { or: [{ email: 'x@x' }, { groups: 'admins' }] } },
    identity({ email: 'a@x', groups: [] }),
  );
  assert.deepEqual(
    d.failures.map((f) => f.reason),
    ['email-unauthorized', 'groups-unauthorized'],
  );
  assert.equal(d.failures[1]!.got, 'you are in no groups');
});

test('an unknown route is a 404 denial with route-not-found', () => {
  assert.equal(ROUTE_NOT_FOUND.status, 404);
  assert.deepEqual(ROUTE_NOT_FOUND.reasons, ['route-not-found']);
});

test('allow decisions are shared and frozen', () => {
  const doc = { allow: { or: [{ accept: true }] } };
  const a = decideDoc(doc, null);
  assert.ok(Object.isFrozen(a));
  assert.equal(decideDoc(doc, null), a);
});

test('a denial without any allow rule says so', () => {
  const none = decideDoc([], null);
  const denyOnly = decideDoc({ deny: { or: [{ reject: true }] } }, null);
  assert.equal(none.status, 403);
  assert.equal(none.explanation, 'this route has no policy, so nobody may pass');
  assert.equal(denyOnly.status, 403);
  assert.deepEqual(denyOnly.reasons, []);
  assert.equal(denyOnly.explanation, 'this route has no allow rule, so nobody may pass');
});

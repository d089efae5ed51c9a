import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PolicyIdentity } from '../../../../authz/index.js';
import { decideDoc, identity, type RequestSpec, VALID_CERT } from './policy-fixtures.js';

interface Case {
  name: string;
  criterion: Record<string, unknown>;
  id: PolicyIdentity | null;
  req?: RequestSpec;
  /** Merged allow value and reasons of `allow: and: [criterion]`. */
  allow: boolean;
  reasons: string[];
}

const user = identity({
  userId: 'sub-1',
  email: 'alice@example.com',
  groups: ['eng', 'ops'],
  claims: { department: ['sales', 'emea'], 'kubernetes.io/namespace': ['prod'], 'org.team': ['a'] },
});

const CASES: Case[] = [
  {
    name: 'accept holds for anyone',
    criterion: { accept: true },
    id: null,
    allow: true,
    reasons: ['accept'],
  },
  {
    name: 'accept: false still accepts',
    criterion: { accept: false },
    id: null,
    allow: true,
    reasons: ['accept'],
  },
  {
    name: 'reject never holds',
    criterion: { reject: true },
    id: user,
    allow: false,
    reasons: ['reject'],
  },
  {
    name: 'authenticated_user passes with a user id',
    criterion: { authenticated_user: true },
    id: user,
    allow: true,
    reasons: ['user-ok'],
  },
  {
    name: 'authenticated_user fails without a user id',
    criterion: { authenticated_user: true },
    id: identity({ userId: '' }),
    allow: false,
    reasons: ['user-unauthorized'],
  },
  {
    name: 'authenticated_user: false still needs a session',
    criterion: { authenticated_user: false },
    id: null,
    allow: false,
    reasons: ['user-unauthenticated'],
  },
  {
    name: 'email matches',
    criterion: { email: { is: 'alice@example.com' } },
    id: user,
    allow: true,
    reasons: ['email-ok'],
  },
  {
    name: 'email literals are canonical (lower case) like the identity email: a deliberate difference',
    criterion: { email: 'Alice@EXAMPLE.com' },
    id: user,
    allow: true,
    reasons: ['email-ok'],
  },
  {
    name: 'a deny on a mixed-case email literal still matches the canonical email',
    criterion: { email: { in: ['ALICE@example.com'] } },
    id: user,
    allow: true,
    reasons: ['email-ok'],
  },
  {
    name: 'domain literals are lower case too',
    criterion: { domain: 'Example.COM' },
    id: user,
    allow: true,
    reasons: ['domain-ok'],
  },
  {
    name: 'email needs a session',
    criterion: { email: 'alice@example.com' },
    id: null,
    allow: false,
    reasons: ['user-unauthenticated'],
  },
  {
    name: 'domain matches the part after @',
    criterion: { domain: { is: 'example.com' } },
    id: user,
    allow: true,
    reasons: ['domain-ok'],
  },
  {
    name: 'domain rejects another domain',
    criterion: { domain: 'example.org' },
    id: user,
    allow: false,
    reasons: ['domain-unauthorized'],
  },
  {
    name: 'domain fails for an email without @',
    criterion: { domain: { not: 'x' } },
    id: identity({ email: 'nobody' }),
    allow: false,
    reasons: ['domain-unauthorized'],
  },
  {
    name: 'user matches the subject',
    criterion: { user: 'sub-1' },
    id: user,
    allow: true,
    reasons: ['user-ok'],
  },
  {
    name: 'user does not match the email',
    criterion: { user: 'alice@example.com' },
    id: user,
    allow: false,
    reasons: ['user-unauthorized'],
  },
  {
    name: 'groups has a group',
    criterion: { groups: { has: 'ops' } },
    id: user,
    allow: true,
    reasons: ['groups-ok'],
  },
  {
    name: 'groups bare value means has',
    criterion: { groups: 'eng' },
    id: user,
    allow: true,
    reasons: ['groups-ok'],
  },
  {
    name: 'groups lacks a group',
    criterion: { groups: { has: 'admins' } },
    id: user,
    allow: false,
    reasons: ['groups-unauthorized'],
  },
  {
    name: 'groups needs a session',
    criterion: { groups: 'eng' },
    id: null,
    allow: false,
    reasons: ['user-unauthenticated'],
  },
  {
    name: 'claim has a value',
    criterion: { 'claim/department': 'emea' },
    id: user,
    allow: true,
    reasons: ['claim-ok'],
  },
  {
    name: 'claim with a slash in its name',
    criterion: { 'claim/kubernetes.io/namespace': 'prod' },
    id: user,
    allow: true,
    reasons: ['claim-ok'],
  },
  {
    name: 'claim path with / reads a dotted claim',
    criterion: { 'claim/org/team': 'a' },
    id: user,
    allow: true,
    reasons: ['claim-ok'],
  },
  {
    name: 'claim missing is an empty list',
    criterion: { 'claim/missing': { exclude: 'x' } },
    id: user,
    allow: true,
    reasons: ['claim-ok'],
  },
  {
    name: 'claim value not there',
    criterion: { 'claim/department': 'apac' },
    id: user,
    allow: false,
    reasons: ['claim-unauthorized'],
  },
  {
    name: 'claim walks nested objects',
    criterion: { 'claim/address/country': 'DE' },
    id: identity({ claims: { address: [{ country: 'DE' }] } }),
    allow: true,
    reasons: ['claim-ok'],
  },
  {
    name: 'claim compares typed values',
    criterion: { 'claim/email_verified': true },
    id: identity({ claims: { email_verified: [true] } }),
    allow: true,
    reasons: ['claim-ok'],
  },
  {
    name: 'claim needs a session',
    criterion: { 'claim/department': 'sales' },
    id: null,
    allow: false,
    reasons: ['user-unauthenticated'],
  },
  {
    name: 'http_method matches as sent',
    criterion: { http_method: 'GET' },
    id: null,
    allow: true,
    reasons: ['http-method-ok'],
  },
  {
    name: 'http_method is case-sensitive',
    criterion: { http_method: 'get' },
    id: null,
    allow: false,
    reasons: ['http-method-unauthorized'],
  },
  {
    name: 'http_path matches the decoded path',
    criterion: { http_path: '/a b' },
    id: null,
    req: { url: 'https://app.example.com/a%20b?x=1' },
    allow: true,
    reasons: ['http-path-ok'],
  },
  {
    name: 'http_path ignores the query',
    criterion: { http_path: { ends_with: 'x=1' } },
    id: null,
    req: { url: 'https://app.example.com/a?x=1' },
    allow: false,
    reasons: ['http-path-unauthorized'],
  },
  {
    name: 'source_ip inside a CIDR',
    criterion: { source_ip: '203.0.113.0/24' },
    id: null,
    allow: true,
    reasons: ['source-ip-ok'],
  },
  {
    name: 'source_ip bare IP is /32',
    criterion: { source_ip: ['198.51.100.1', '203.0.113.7'] },
    id: null,
    allow: true,
    reasons: ['source-ip-ok'],
  },
  {
    name: 'source_ip outside',
    criterion: { source_ip: '10.0.0.0/8' },
    id: null,
    allow: false,
    reasons: ['source-ip-unauthorized'],
  },
  {
    name: 'source_ip IPv6 range',
    criterion: { source_ip: '2001:db8::/32' },
    id: null,
    req: { sourceIp: '2001:db8::1' },
    allow: true,
    reasons: ['source-ip-ok'],
  },
  {
    name: 'source_ip IPv4-mapped IPv6 client',
    criterion: { source_ip: '203.0.113.0/24' },
    id: null,
    req: { sourceIp: '::ffff:203.0.113.9' },
    allow: true,
    reasons: ['source-ip-ok'],
  },
  {
    name: 'source_ip unknown client IP fails',
    criterion: { source_ip: '0.0.0.0/0' },
    id: null,
    req: { sourceIp: '' },
    allow: false,
    reasons: ['source-ip-unauthorized'],
  },
  {
    name: 'client_certificate without a certificate',
    criterion: { client_certificate: { san_dns: 'client.example.com' } },
    id: null,
    allow: false,
    reasons: ['client-certificate-unauthorized'],
  },
  {
    name: 'client_certificate matching a DNS SAN',
    criterion: { client_certificate: { san_dns: 'alt.example.com' } },
    id: null,
    req: { cert: VALID_CERT },
    allow: true,
    reasons: ['client-certificate-ok'],
  },
  {
    name: 'invalid_client_certificate without a certificate',
    criterion: { invalid_client_certificate: true },
    id: null,
    allow: true,
    reasons: ['client-certificate-required'],
  },
  {
    name: 'invalid_client_certificate with an invalid one',
    criterion: { invalid_client_certificate: true },
    id: null,
    req: { cert: { ...VALID_CERT, valid: false } },
    allow: true,
    reasons: ['invalid-client-certificate'],
  },
  {
    name: 'invalid_client_certificate with a valid one',
    criterion: { invalid_client_certificate: true },
    id: null,
    req: { cert: VALID_CERT },
    allow: false,
    reasons: ['valid-client-certificate'],
  },
  {
    name: 'cors_preflight on a preflight',
    criterion: { cors_preflight: true },
    id: null,
    req: {
      method: 'OPTIONS',
      headers: { origin: 'https://x', 'access-control-request-method': 'POST' },
    },
    allow: true,
    reasons: ['cors-request'],
  },
  {
    name: 'cors_preflight needs Origin',
    criterion: { cors_preflight: true },
    id: null,
    req: { method: 'OPTIONS', headers: { 'access-control-request-method': 'POST' } },
    allow: false,
    reasons: ['non-cors-request'],
  },
  {
    name: 'cors_preflight needs OPTIONS',
    criterion: { cors_preflight: true },
    id: null,
    req: {
      method: 'POST',
      headers: { origin: 'https://x', 'access-control-request-method': 'POST' },
    },
    allow: false,
    reasons: ['non-cors-request'],
  },
];

for (const c of CASES) {
  test(`criterion: ${c.name}`, () => {
    const d = decideDoc({ allow: { and: [c.criterion] } }, c.id, c.req);
    assert.equal(d.allow, c.allow);
    assert.deepEqual(d.allowReasons, c.reasons);
  });
}

test('a denial names the failing criterion with what it wanted and what the user had', () => {
  const d = decideDoc({ allow: { and: [{ groups: 'admins' }] } }, user);
  assert.equal(d.status, 403);
  assert.deepEqual(
    d.failures.map((f) => [f.criterion, f.reason, f.wanted, f.got]),
    [['groups', 'groups-unauthorized', 'groups must contain `admins`', 'you are in `eng`, `ops`']],
  );
  assert.match(d.explanation, /admins/);
});

// The ext_authz filter's allowed_headers (envoy/lib/authz-allowed-headers.ts): the fixed headers
// authz reads and strips, plus the ones the config makes it read — a table of configs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildExtAuthzFilter } from '../../../envoy/build/build-ext-authz-filter.js';
import { authzHeaderNames } from '../../../envoy/lib/authz-allowed-headers.js';
import { loadTestConfig } from '../../helpers/authz-harness.js';

const ROUTE = `routes:
  - from: https://app.example.com
    to: http://up.internal
    allow_public_unauthenticated_access: true`;

const CASES: readonly { name: string; yaml: string; adds: readonly string[] }[] = [
  { name: 'no extra headers', yaml: ROUTE, adds: [] },
  {
    name: 'jwt_claims_headers names',
    yaml: `jwt_claims_headers: {X-Email: email, X-Team: groups}\n${ROUTE}`,
    adds: ['x-email', 'x-team'],
  },
  {
    name: 'authorize_log_fields headers.<Name>',
    yaml: `authorize_log_fields: [request-id, headers.X-Audit-Tag]\n${ROUTE}`,
    adds: ['x-audit-tag'],
  },
  {
    name: 'a braced set_request_headers template',
    yaml: `${ROUTE}\n    set_request_headers: {X-Out: '\${pomerium.request.headers["X-Tenant"]}'}`,
    adds: ['x-tenant'],
  },
  {
    name: 'a bare set_request_headers template',
    yaml: `${ROUTE}\n    set_request_headers: {X-Out: 'id=$pomerium.request.headers["X-Id"]!'}`,
    adds: ['x-id'],
  },
];

const base = authzHeaderNames(loadTestConfig(ROUTE).config);

for (const c of CASES) {
  test(`allowed_headers add exactly what the config reads: ${c.name}`, () => {
    const names = authzHeaderNames(loadTestConfig(c.yaml).config);
    assert.deepEqual(
      names.exact.filter((n) => !base.exact.includes(n)),
      [...c.adds].sort(),
    );
    assert.deepEqual(names.prefixes, base.prefixes);
  });
}

test('the headers authz always reads or strips are allowed, by name or by prefix', () => {
  for (const h of ['cookie', 'authorization', 'accept', 'content-type', 'x-requested-with']) {
    assert.ok(base.exact.includes(h), h);
  }
  for (const p of ['x-pomerium-', 'impersonate-']) assert.ok(base.prefixes.includes(p), p);
  for (const h of ['x-original-url', 'x-http-method-override', 'x-envoy-original-path']) {
    assert.ok(base.exact.includes(h), h);
  }
  assert.ok(!base.exact.includes('user-agent'));
});

test('the filter carries the matcher: names exact and prefixes, case-insensitive', () => {
  const filter = buildExtAuthzFilter(loadTestConfig(ROUTE).config) as {
    typed_config: { allowed_headers: { patterns: Record<string, unknown>[] } };
  };
  const patterns = filter.typed_config.allowed_headers.patterns;
  assert.ok(patterns.some((p) => p.exact === 'cookie' && p.ignore_case === true));
  assert.ok(patterns.some((p) => p.prefix === 'x-pomerium-' && p.ignore_case === true));
});

// Issue 15: Pomerium keys. A key Pomerium knows that we do not implement → a warning that names
// it and what Pomerium would do (never silent, never fatal); a key nobody knows → unknown_key
// with did-you-mean (a warning with allowUnknownKeys); every key we accept without acting on it
// warns; the tracing keys no longer point at keys we refuse.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRoutePolicies, policyIssues } from '../../../authz/policy/index.js';
import { parseConfigText } from '../../../config/index.js';
import {
  ACCEPTED_UNIMPLEMENTED_GLOBAL_KEYS,
  ACCEPTED_UNIMPLEMENTED_ROUTE_KEYS,
  POMERIUM_ONLY_GLOBAL_KEYS,
  POMERIUM_ONLY_ROUTE_KEYS,
} from '../../../config/lib/pomerium-only-keys.js';
import { ROUTE_KEYS } from '../../../config/route-schema.js';
import { GLOBAL_KEYS } from '../../../config/schema.js';
import { issuesOf } from '../../helpers/config-fixtures.js';

const ROUTE = 'routes:\n  - from: https://app.example.com\n    to: http://app.internal\n';

const warningsOf = (text: string, allowUnknownKeys = false) =>
  parseConfigText(text, { file: 'p.yaml', env: {}, allowUnknownKeys }).warnings;

/** A value of the right shape for keys whose shape is checked (pomerium-only-schemas.ts). */
const VALID: Readonly<Record<string, string>> = {
  autocert_use_staging: 'true',
  autocert_must_staple: 'false',
  mcp: '{}',
  mcp_allowed_client_id_domains: '[example.com]',
};

for (const key of Object.keys(POMERIUM_ONLY_GLOBAL_KEYS)) {
  test(`warns about the Pomerium key ${key} and says what Pomerium does with it`, () => {
    const w = warningsOf(`${key}: ${VALID[key] ?? 'x'}\n${ROUTE}`).filter(
      (i) => i.code === 'unimplemented_key',
    );
    assert.equal(w.length, 1);
    assert.equal(w[0]!.path, key);
    assert.equal(w[0]!.line, 1);
    assert.match(w[0]!.message, /Pomerium .*; it is ignored/);
  });
}

for (const key of Object.keys(POMERIUM_ONLY_ROUTE_KEYS)) {
  test(`warns about the Pomerium route key ${key}`, () => {
    const value = key === 'mcp' ? '{server: {}}' : '{}';
    const w = warningsOf(`${ROUTE}    ${key}: ${value}\n`).filter(
      (i) => i.code === 'unimplemented_key',
    );
    assert.equal(w.length, 1);
    assert.equal(w[0]!.path, `routes[0].${key}`);
    assert.equal(w[0]!.line, 4);
  });
}

const SAMPLE_VALUES: Readonly<Record<string, string>> = {
  idp_access_token_allowed_audiences: '[aud]',
  identity_providers: '{}',
  bearer_token_format: 'jwt',
  autocert: 'true',
  enable_google_cloud_serverless_authentication: 'true',
  access_log_fields: '[method, path]',
  authorize_log_fields: '[request-id, email]',
  health_check_addr: '127.0.0.1:28080',
  debug_address: '127.0.0.1:9999',
  databroker_service_url: 'https://databroker.example.com',
  databroker_service_urls: '[https://databroker.example.com]',
  databroker_internal_service_url: 'https://databroker.internal',
  mcp: '{client: {}}',
};

test('every accepted-but-unimplemented key is a schema key', () => {
  for (const k of Object.keys(ACCEPTED_UNIMPLEMENTED_GLOBAL_KEYS))
    assert.ok(GLOBAL_KEYS.includes(k), k);
  for (const k of Object.keys(ACCEPTED_UNIMPLEMENTED_ROUTE_KEYS))
    assert.ok(ROUTE_KEYS.includes(k), k);
});

for (const key of Object.keys(ACCEPTED_UNIMPLEMENTED_GLOBAL_KEYS)) {
  test(`warns when the accepted but unimplemented key ${key} is set`, () => {
    const value =
      key === 'identity_providers' ? '{a: {issuer: https://i.example.com}}' : SAMPLE_VALUES[key]!;
    const w = warningsOf(`${key}: ${value}\n${ROUTE}`).filter(
      (i) => i.code === 'unimplemented_key',
    );
    assert.equal(w.length, 1, JSON.stringify(w));
    assert.match(w[0]!.message, /not implemented yet: Pomerium/);
  });
}

for (const key of Object.keys(ACCEPTED_UNIMPLEMENTED_ROUTE_KEYS)) {
  test(`warns when the accepted but unimplemented route key ${key} is set`, () => {
    const value = key === 'identity_providers' ? '[a]' : SAMPLE_VALUES[key]!;
    const w = warningsOf(`${ROUTE}    ${key}: ${value}\n`).filter(
      (i) => i.code === 'unimplemented_key',
    );
    assert.equal(w.length, 1, JSON.stringify(w));
    assert.equal(w[0]!.path, `routes[0].${key}`);
  });
}

test('says nothing about accepted keys left at their defaults (bearer_token_format: default)', () => {
  const w = warningsOf(`bearer_token_format: default\nautocert: false\n${ROUTE}`);
  assert.deepEqual(
    w.filter((i) => i.code === 'unimplemented_key'),
    [],
  );
});

test('a key nobody knows is still an unknown_key error with a did-you-mean', () => {
  const issues = issuesOf(`cookie_nmae: x\n${ROUTE}`);
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.code, 'unknown_key');
  assert.match(issues[0]!.message, /did you mean "cookie_name"/);
});

test('allowUnknownKeys turns a key nobody knows into a warning (route keys too)', () => {
  const w = warningsOf(`cookie_nmae: x\n${ROUTE}    frobnicate: 1\n`, true).filter(
    (i) => i.code === 'unknown_key',
  );
  assert.deepEqual(
    w.map((i) => [i.path, i.line]),
    [
      ['cookie_nmae', 1],
      ['routes[0].frobnicate', 5],
    ],
  );
  assert.match(w[0]!.message, /did you mean "cookie_name"/);
});

test('allowUnknownKeys does not make removed keys acceptable', () => {
  const issues = (() => {
    try {
      parseConfigText(`client_ca: x\n${ROUTE}`, {
        file: 'p.yaml',
        env: {},
        allowUnknownKeys: true,
      });
      return [];
    } catch (err) {
      return (err as { issues: { code: string }[] }).issues;
    }
  })();
  assert.equal(issues[0]?.code, 'removed_key');
});

test('tracing_provider and otel_log_level warn (Pomerium still reads them); the otel_* keys we implement load silently', () => {
  const w = warningsOf(
    `tracing_provider: jaeger\notel_log_level: debug\notel_traces_exporter: otlp\n${ROUTE}`,
  );
  const byPath = new Map(w.map((i) => [i.path, i]));
  assert.equal(byPath.get('tracing_provider')?.code, 'unimplemented_key');
  assert.equal(byPath.get('otel_log_level')?.code, 'unimplemented_key');
  assert.equal(byPath.get('otel_traces_exporter'), undefined);
});

test('the Pomerium configs once refused as unknown now load (autocert_use_staging, mcp, mcp_allowed_client_id_domains)', () => {
  const text = `autocert_use_staging: true\nmcp: {}\nmcp_allowed_client_id_domains: [example.com]\n${ROUTE}    mcp:\n      server: {}\n`;
  const w = warningsOf(text).filter((i) => i.code === 'unimplemented_key');
  // mcp_allowed_client_id_domains, mcp.server routes (docs/mcp.md) and autocert_use_staging
  // (docs/acme.md) are implemented
  assert.deepEqual(w.map((i) => i.path).sort(), ['mcp']);
});

const WRONG_SHAPES: readonly [string, string, string][] = [
  ['autocert_use_staging: "yes please"', 'autocert_use_staging', 'boolean'],
  ['autocert_email: [a, b]', 'autocert_email', 'string'],
  ['mcp: true', 'mcp', 'record'],
];
for (const [line, path, want] of WRONG_SHAPES) {
  test(`parses the Pomerium key in "${line}" and refuses its wrong shape`, () => {
    const issues = issuesOf(`${line}\n${ROUTE}`);
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0]!.code, 'invalid_type');
    assert.equal(issues[0]!.path, path);
    assert.match(issues[0]!.message, new RegExp(want, 'i'));
  });
}

test('a route mcp needs exactly one of server or client, each of its shape', () => {
  const cases: readonly [string, string][] = [
    ['{}', 'invalid_value'],
    ['{server: {}, client: {}}', 'invalid_value'],
    ['{server: {max_request_bytes: lots}}', 'invalid_type'],
    ['{server: {bogus: 1}}', 'unknown_key'],
  ];
  for (const [value, code] of cases) {
    const issues = issuesOf(`${ROUTE}    mcp: ${value}\n`);
    assert.equal(issues.length, 1, value);
    assert.equal(issues[0]!.code, code, value);
    assert.match(issues[0]!.path, /^routes\[0\]\.mcp/);
  }
  assert.deepEqual(issuesOf(`${ROUTE}    mcp:\n      client: {}\n`), []);
});

test("a route mcp server, with its own authorization server or Portcullis' one, and with upstream_oauth2, runs without a warning; the parts not built yet warn", () => {
  for (const served of [
    `${ROUTE}    mcp:\n      server:\n        authorization_server_url: https://as.example.com\n`,
    `${ROUTE}    mcp:\n      server: {}\n`,
    `${ROUTE}    mcp:\n      server:\n        upstream_oauth2: {client_id: x, endpoint: {auth_url: https://p.example.com/a, token_url: https://p.example.com/t}}\n`,
  ]) {
    assert.deepEqual(
      warningsOf(served).filter((i) => i.code === 'unimplemented_key'),
      [],
    );
  }
  for (const value of ['{client: {}}']) {
    const w = warningsOf(`${ROUTE}    mcp: ${value}\n`).filter(
      (i) => i.code === 'unimplemented_key',
    );
    assert.equal(w.length, 1, value);
    assert.match(w[0]!.message, /only partly implemented/);
  }
});

test('the Pomerium "protect an MCP server" config loads with its mcp_tool deny rule', () => {
  const text = `authenticate_service_url: https://auth.example.com
idp_provider_url: https://idp.example.com
idp_client_id: c
idp_client_secret: s
runtime_flags:
  mcp: true
routes:
  - from: https://my-mcp-server.your-domain.com
    to: http://my-mcp-server.int:8080/mcp
    name: My MCP Server
    mcp:
      server: {}
    policy:
      allow:
        and:
          - domain:
              is: company.com
      deny:
        and:
          - mcp_tool:
              starts_with: 'admin_'
`;
  const loaded = parseConfigText(text, { file: 'p.yaml', env: {} });
  assert.equal(compileRoutePolicies(loaded).size, 1);
});

test('mcp_tool on a route that is not an MCP server is refused (its body is never read)', () => {
  const text = `authenticate_service_url: https://auth.example.com
idp_provider_url: https://idp.example.com
idp_client_id: c
idp_client_secret: s
${ROUTE}    policy:
      deny:
        and:
          - mcp_tool: {starts_with: admin_}
`;
  const issues = policyIssues(parseConfigText(text, { file: 'p.yaml', env: {} }));
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.path, 'routes[0].policy');
  assert.match(issues[0]!.message, /mcp_tool needs an .mcp: server:. route/);
});

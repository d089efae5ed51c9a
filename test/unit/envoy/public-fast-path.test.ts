// Which routes skip the Check (envoy/build/build-public-fast-route.ts): the few that qualify, and
// a table of hostile variants that must not — each one a way the answer could depend on the
// request or carry something authz adds or strips.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../../config/index.js';
import { publicFastPathBlocker } from '../../../envoy/build/build-public-fast-route.js';
import { buildSnapshot } from '../../../envoy/build/build-snapshot.js';
import { validateSnapshot } from '../../../envoy/validate/validate-snapshot.js';
import { SECRET } from '../../helpers/config-fixtures.js';

const HEAD = `shared_secret: ${SECRET}
cookie_secret: ${SECRET}
authenticate_service_url: https://authenticate.example.com
`;
const PUBLIC_ANSWER = `
    response: {status: 200, body: ok}
    allow_public_unauthenticated_access: true`;

function blocker(route: string, global = ''): string | null {
  const loaded = parseConfigText(
    `${HEAD}${global}\nroutes:\n  - from: https://a.example.com${route}\n`,
    {
      file: 'c.yaml',
      env: {},
    },
  );
  return publicFastPathBlocker(loaded.config.routes[0]!, loaded.config);
}

const QUALIFY: readonly [string, string][] = [
  ['a public direct response', PUBLIC_ANSWER],
  [
    'a public redirect',
    '\n    redirect: {https_redirect: true}\n    allow_public_unauthenticated_access: true',
  ],
  ['a public answer with response headers', `${PUBLIC_ANSWER}\n    set_response_headers: {X-A: b}`],
  ['a public answer on a path', `${PUBLIC_ANSWER}\n    prefix: /status/`],
  [
    'a public answer with pass_identity_headers off',
    `${PUBLIC_ANSWER}\n    pass_identity_headers: false`,
  ],
];

for (const [what, route] of QUALIFY) {
  test(`${what} skips the Check`, () => {
    assert.equal(blocker(route), null);
  });
}

const HOSTILE: readonly [string, string, string?][] = [
  [
    'a route that is not public',
    '\n    response: {status: 200, body: ok}\n    allowed_domains: [example.com]',
  ],
  [
    'a public route that forwards to an upstream',
    '\n    to: http://app.internal\n    allow_public_unauthenticated_access: true',
  ],
  [
    'a public answer with a policy',
    `${PUBLIC_ANSWER}\n    policy: {deny: {http_method: {is: POST}}}`,
  ],
  [
    'a public answer that passes identity headers',
    `${PUBLIC_ANSWER}\n    pass_identity_headers: true`,
  ],
  [
    'a public answer under global pass_identity_headers',
    PUBLIC_ANSWER,
    'pass_identity_headers: true',
  ],
  [
    'a public answer with set_request_headers',
    `${PUBLIC_ANSWER}\n    set_request_headers: {X-A: b}`,
  ],
  [
    'a public answer with a token in set_request_headers',
    `${PUBLIC_ANSWER}\n    set_request_headers: {X-T: "\${pomerium.access_token}"}`,
  ],
  [
    'a public answer with a route client CA (mTLS)',
    `${PUBLIC_ANSWER}\n    tls_downstream_client_ca: ${Buffer.from('x').toString('base64')}`,
  ],
  [
    'a public answer under a global client CA (mTLS)',
    PUBLIC_ANSWER,
    `downstream_mtls: {ca: ${Buffer.from('x').toString('base64')}}`,
  ],
  [
    'a public answer that accepts IdP bearer tokens',
    `${PUBLIC_ANSWER}\n    bearer_token_format: idp_access_token`,
  ],
  [
    'a public answer with IdP token audiences',
    `${PUBLIC_ANSWER}\n    idp_access_token_allowed_audiences: [x]`,
  ],
  [
    'a public answer with its own IdP client',
    `${PUBLIC_ANSWER}\n    idp_client_id: other\n    idp_client_secret: other`,
  ],
  [
    'a public answer with a Kubernetes token',
    `${PUBLIC_ANSWER}\n    kubernetes_service_account_token: t`,
  ],
  [
    'a public answer depending on another route',
    `${PUBLIC_ANSWER}\n    depends_on: [b.example.com]`,
  ],
  [
    'a public answer with ring_hash routing keys',
    `${PUBLIC_ANSWER}\n    load_balancing_policy: ring_hash`,
  ],
  [
    'a public MCP server route',
    '\n    to: http://mcp.internal\n    allow_public_unauthenticated_access: true\n    mcp: {server: {}}',
  ],
];

for (const [what, route, global] of HOSTILE) {
  test(`${what} keeps its Check`, () => {
    assert.notEqual(blocker(route, global), null);
  });
}

test('a qualifying route gets a guarded ext_authz-free copy before its checked route, valid for Envoy', () => {
  const loaded = parseConfigText(
    `${HEAD}routes:\n  - from: https://a.example.com${PUBLIC_ANSWER}\n  - from: https://b.example.com\n    to: http://b.internal\n    allow_public_unauthenticated_access: true\n`,
    { file: 'c.yaml', env: {} },
  );
  const snapshot = buildSnapshot(loaded.config, {
    authz: [{ host: '127.0.0.1', port: 1 }],
    authn: { host: '127.0.0.1', port: 2 },
    devCertificate: { cert: 'x', key: 'y' },
  });
  const vhosts = snapshot.resources.route[0]!.resource.virtual_hosts as {
    name: string;
    routes: { name: string; typed_per_filter_config?: Record<string, { disabled?: boolean }> }[];
  }[];
  const names = (host: string) => vhosts.find((v) => v.name === host)!.routes.map((r) => r.name);
  assert.deepEqual(names('a.example.com').slice(-2), ['policy-0-public', 'policy-0']);
  assert.ok(!names('b.example.com').includes('policy-1-public'));
  const fast = vhosts.find((v) => v.name === 'a.example.com')!.routes.at(-2)!;
  const perRoute = Object.values(fast.typed_per_filter_config ?? {})[0];
  assert.equal(perRoute?.disabled, true);
  const result = validateSnapshot(snapshot);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
});

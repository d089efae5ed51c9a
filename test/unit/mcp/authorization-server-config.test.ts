// The settings of Portcullis' MCP authorization server load from Pomerium's spelling without a
// warning (docs/mcp.md): `runtime_flags` `mcp` and `mcp_dynamic_client_registration`, and
// `mcp_allowed_client_id_domains` with a wildcard, as Pomerium's own MCP e2e tests set them
// (internal/mcp/e2e in pomerium/pomerium: `*.localhost.pomerium.io`).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../../config/index.js';

const TEXT = `authenticate_service_url: https://authenticate.localhost.pomerium.io
idp_provider_url: https://idp.example.com
idp_client_id: c
idp_client_secret: s
runtime_flags:
  mcp: true
  mcp_dynamic_client_registration: true
mcp_allowed_client_id_domains:
  - "*.localhost.pomerium.io"
routes:
  - from: https://mcp.localhost.pomerium.io
    to: http://127.0.0.1:8080/mcp
    name: My MCP Server
    mcp:
      server: {}
    policy:
      allow:
        and:
          - domain:
              is: example.com
`;

test('the authorization server settings load in Pomerium spelling without a warning', () => {
  const { config, warnings } = parseConfigText(TEXT, { file: 'p.yaml', env: {} });
  assert.deepEqual(
    warnings.filter((w) => w.code === 'unimplemented_key' || w.code === 'unknown_key'),
    [],
  );
  assert.deepEqual(config.mcp_allowed_client_id_domains, ['*.localhost.pomerium.io']);
  assert.equal(config.runtime_flags.mcp_dynamic_client_registration, true);
});

test('a wrong shape of mcp_allowed_client_id_domains is refused with its position', () => {
  assert.throws(
    () => parseConfigText('mcp_allowed_client_id_domains: {a: 1}\n', { file: 'p.yaml', env: {} }),
    /mcp_allowed_client_id_domains/,
  );
});

// Issue 15: downstream_mtls.max_verify_depth reaches Envoy with Pomerium's meaning — default 1,
// 0 = no limit (left out, since Envoy's 0 would allow no CA at all).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../../config/index.js';
import { buildDownstreamTlsContext } from '../../../envoy/build/build-tls-context.js';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n').toString(
  'base64',
);

function depthFor(extra: string): unknown {
  const { config } = parseConfigText(`downstream_mtls:\n  ca: ${CA}\n${extra}`, {
    file: 'd.yaml',
    env: {},
  });
  const ctx = buildDownstreamTlsContext(config, { authz: [], authn: { host: 'a', port: 1 } }, []);
  const common = ctx.common_tls_context as { validation_context: Record<string, unknown> };
  return common.validation_context.max_verify_depth;
}

const CASES: readonly [string, string, unknown][] = [
  ['unset: 1 (issued directly by a CA)', '', 1],
  ['2', '  max_verify_depth: 2\n', 2],
  ['0: no limit (left out)', '  max_verify_depth: 0\n', undefined],
  ['reject_connection keeps it', '  enforcement: reject_connection\n  max_verify_depth: 3\n', 3],
];
for (const [name, extra, want] of CASES) {
  test(`max_verify_depth ${name}`, () => {
    assert.equal(depthFor(extra), want);
  });
}

// The Envoy bootstrap that docker-compose.yml mounts into the official Envoy image loads in a
// real Envoy (`envoy --mode validate`).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { ENVOY_INSTALL_HINT, findEnvoyBinary } from '../../../cli/index.js';
import { repoRoot } from '../../helpers/config-fixtures.js';

const run = promisify(execFile);

test('examples/split-mode/envoy-bootstrap.yaml passes envoy --mode validate', async () => {
  const envoy = findEnvoyBinary();
  assert.ok(envoy, `Envoy is required for this test: ${ENVOY_INSTALL_HINT}`);
  const file = join(repoRoot(), 'examples/split-mode/envoy-bootstrap.yaml');
  const { stdout, stderr } = await run(envoy, [
    '--mode',
    'validate',
    '-c',
    file,
    '--log-level',
    'error',
  ]);
  assert.match(`${stdout}${stderr}`, /OK/);
});

// The Envoy bootstrap that docker-compose.yml mounts into the official Envoy image loads in a
// real Envoy (`envoy --mode validate`), with the certificates of the compose `tls` volume (made
// here by `keys generate --tls` and put where the bootstrap names them).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { generateTlsFiles } from '../../../cli/commands/generate-tls-files.js';
import { ENVOY_INSTALL_HINT, findEnvoyBinary } from '../../../cli/index.js';
import { repoRoot, tempDir } from '../../helpers/config-fixtures.js';

const run = promisify(execFile);

test('examples/split-mode/envoy-bootstrap.yaml passes envoy --mode validate', async () => {
  const envoy = findEnvoyBinary();
  assert.ok(envoy, `Envoy is required for this test: ${ENVOY_INSTALL_HINT}`);
  const dir = tempDir();
  generateTlsFiles({ dir: join(dir, 'tls'), names: [], configDir: dir });
  const text = readFileSync(join(repoRoot(), 'examples/split-mode/envoy-bootstrap.yaml'), 'utf8');
  assert.match(text, /\/etc\/portcullis-tls\/client-key\.pem/, 'Envoy presents its client key');
  const file = join(dir, 'envoy-bootstrap.yaml');
  writeFileSync(file, text.replaceAll('/etc/portcullis-tls/', `${join(dir, 'tls')}/`));
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

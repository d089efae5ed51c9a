// Issue 15: real Pomerium configs (test/fixtures/pomerium-configs/, sources in its README) load
// as they are — warnings allowed, errors not — and each generates a bootstrap the real Envoy
// (`envoy --mode validate`) accepts. Placeholders a deployment fills in (REPLACE_ME secrets,
// mounted certificate paths) come from the environment, as they would in that deployment; only
// keys the file itself sets are overridden.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadConfigFile } from '../../../config/index.js';
import {
  buildBootstrap,
  devCertificateFor,
  endpointsFromConfig,
  generateSelfSignedCertificate,
} from '../../../envoy/index.js';
import { repoRoot } from '../../helpers/config-fixtures.js';
import { envoyValidate } from '../../helpers/spawn-envoy.js';

const dir = join(repoRoot(), 'test', 'fixtures', 'pomerium-configs');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

const certDir = mkdtempSync(join(tmpdir(), 'portcullis-corpus-'));
const cert = generateSelfSignedCertificate(['*.example.com', 'localhost']);
writeFileSync(join(certDir, 'cert.pem'), cert.cert);
writeFileSync(join(certDir, 'key.pem'), cert.key);

/** What a deployment would put in the environment for the placeholders this file sets. */
function deploymentEnv(text: string): Record<string, string> {
  const set = new Set(Object.keys((parse(text) as Record<string, unknown>) ?? {}));
  const env: Record<string, string> = {};
  const secret = (k: string, v: string) => {
    if (set.has(k)) env[k.toUpperCase()] = v;
  };
  secret('cookie_secret', 'WwMtDXWaRDMBQCylle8OJ+w4kLIDIGd8W3cB4/zFFtg=');
  secret('shared_secret', 'hsJIQsx9KKx4qVlggg/T3AuLTmVu0uHhwTQgMPlVs7U=');
  secret('signing_key', Buffer.from(cert.key).toString('base64'));
  secret('certificate_file', join(certDir, 'cert.pem'));
  secret('certificate_key_file', join(certDir, 'key.pem'));
  return env;
}

test('the corpus holds at least 20 real Pomerium configs, each listed in its README', () => {
  assert.ok(files.length >= 20, `${files.length} configs`);
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  for (const f of files) assert.match(readme, new RegExp(`\`${f.replaceAll('.', '\\.')}\``), f);
});

for (const file of files) {
  test(`${file} loads (warnings allowed) and its bootstrap passes envoy --mode validate`, async () => {
    const path = join(dir, file);
    const env = deploymentEnv(readFileSync(path, 'utf8'));
    const loaded = await loadConfigFile(path, { env });
    const { config } = loaded;
    const result = buildBootstrap(config, {
      ...endpointsFromConfig(config),
      baseDir: dirname(path),
      devCertificate: devCertificateFor(config),
    });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
    const { code, output } = await envoyValidate(result.bootstrap);
    assert.equal(code, 0, output.split('\n').slice(-5).join('\n'));
  });
}

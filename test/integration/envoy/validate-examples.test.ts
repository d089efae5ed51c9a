// `envoy --mode validate` (the real Envoy) accepts the bootstrap of every example config, the
// generated 1,000-route config and the ADS bootstrap; the CLI's YAML output too.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { loadConfigFile, parseConfigText } from '../../../config/index.js';
import {
  buildAdsBootstrap,
  buildBootstrap,
  endpointsFromConfig,
  generateSelfSignedCertificate,
} from '../../../envoy/index.js';
import { generateRoutesConfig } from '../../../examples/generate-routes.js';
import { repoRoot } from '../../helpers/config-fixtures.js';
import { PORTCULLIS_ENTRY } from '../../helpers/portcullis-entry.js';
import { envoyValidate } from '../../helpers/spawn-envoy.js';

const root = repoRoot();

async function assertValid(bootstrap: unknown): Promise<void> {
  const { code, output } = await envoyValidate(bootstrap);
  assert.equal(code, 0, output.split('\n').slice(-5).join('\n'));
}

test('envoy --mode validate accepts the quickstart bootstrap', async () => {
  const file = join(root, 'examples', 'quickstart', 'config.yaml');
  const { config } = await loadConfigFile(file, { env: {} });
  const result = buildBootstrap(config, { ...endpointsFromConfig(config), baseDir: dirname(file) });
  assert.ok(result.ok);
  await assertValid(result.bootstrap);
});

test('envoy --mode validate accepts the Pomerium-docs bootstrap (TLS from certificate files, mixed policy/routes)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-certs-'));
  const cert = generateSelfSignedCertificate([
    '*.corp.example.com',
    'authenticate.corp.example.com',
  ]);
  writeFileSync(join(dir, 'cert.pem'), cert.cert);
  writeFileSync(join(dir, 'privkey.pem'), cert.key);
  const file = join(root, 'examples', 'pomerium-docs', 'config.yaml');
  // The example names /etc/pomerium/*.pem; the environment points at files that exist here.
  const env = {
    CERTIFICATE_FILE: join(dir, 'cert.pem'),
    CERTIFICATE_KEY_FILE: join(dir, 'privkey.pem'),
  };
  const { config } = await loadConfigFile(file, { env });
  const result = buildBootstrap(config, { ...endpointsFromConfig(config), baseDir: dirname(file) });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  await assertValid(result.bootstrap);
});

test('envoy --mode validate accepts the golden config bootstrap (mTLS, upstream TLS, health checks, h2c, redirects)', async () => {
  const file = join(root, 'test', 'unit', 'envoy', 'fixtures', 'golden-config.yaml');
  const { config } = await loadConfigFile(file, { env: {} });
  const result = buildBootstrap(config, { ...endpointsFromConfig(config), baseDir: dirname(file) });
  assert.ok(result.ok);
  await assertValid(result.bootstrap);
});

test('envoy --mode validate accepts the bootstrap of 1,000 generated routes', async () => {
  const { config } = parseConfigText(generateRoutesConfig(1000), {
    file: 'routes-1k.yaml',
    env: {},
  });
  const devCertificate = generateSelfSignedCertificate(['*.example.com']);
  const result = buildBootstrap(config, { ...endpointsFromConfig(config), devCertificate });
  assert.ok(result.ok);
  await assertValid(result.bootstrap);
});

test('envoy --mode validate accepts the ADS bootstrap', async () => {
  await assertValid(
    buildAdsBootstrap({ ads: { host: '127.0.0.1', port: 18000 }, nodeId: 'edge-1' }),
  );
  await assertValid(buildAdsBootstrap({ ads: { host: 'portcullis.internal', port: 443 } }));
});

test('portcullis envoy bootstrap prints YAML that envoy --mode validate accepts', async () => {
  const cli = PORTCULLIS_ENTRY;
  const file = join(root, 'examples', 'quickstart', 'config.yaml');
  for (const extra of [[], ['--ads']]) {
    const stdout = await new Promise<string>((resolve, reject) =>
      execFile(
        process.execPath,
        [cli, 'envoy', 'bootstrap', '-c', file, ...extra],
        { env: {} },
        (err, out) => (err ? reject(err) : resolve(out)),
      ),
    );
    await assertValid(parse(stdout));
  }
});

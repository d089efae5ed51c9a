// Issue 22: the real Pomerium MCP configs (test/fixtures/pomerium-mcp-configs/, sources in its
// README) pass `portcullis validate` (warnings allowed, errors not) and run: the bootstrap
// generated from each passes the real Envoy's `--mode validate`, ext_proc filter of the MCP
// routes included. What a deployment supplies comes from the environment and a mounted /certs.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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
import { PORTCULLIS_ENTRY } from '../../helpers/portcullis-entry.js';
import { envoyValidate } from '../../helpers/spawn-envoy.js';

const mainFile = PORTCULLIS_ENTRY;
const dir = join(repoRoot(), 'test', 'fixtures', 'pomerium-mcp-configs');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

// the volume Pomerium's compose stack mounts at /certs
const work = mkdtempSync(join(tmpdir(), 'portcullis-mcp-corpus-'));
const certs = join(work, 'certs');
mkdirSync(join(certs, 'mtls'), { recursive: true });
const cert = generateSelfSignedCertificate(['*.localhost.pomerium.io', 'localhost']);
writeFileSync(join(certs, 'pomerium.crt'), cert.cert);
writeFileSync(join(certs, 'pomerium.key'), cert.key);
writeFileSync(join(certs, 'mtls', 'ca-chain.crt'), cert.cert);

/** The file as deployed: /certs/ is the mounted volume. */
function deployed(file: string): string {
  const out = join(work, file);
  writeFileSync(out, readFileSync(join(dir, file), 'utf8').replaceAll('/certs/', `${certs}/`));
  return out;
}

/** What a deployment puts in the environment for the settings this file leaves out. */
function deploymentEnv(path: string): Record<string, string> {
  const set = new Set(Object.keys((parse(readFileSync(path, 'utf8')) as object) ?? {}));
  const env: Record<string, string> = {};
  const fill = (k: string, v: string) => {
    if (!set.has(k)) env[k.toUpperCase()] = v;
  };
  fill('authenticate_service_url', 'https://authenticate.example.com');
  fill('idp_provider', 'oidc');
  fill('idp_provider_url', 'https://idp.example.com');
  fill('idp_client_id', 'portcullis');
  fill('idp_client_secret', 'secret');
  fill('shared_secret', 'hsJIQsx9KKx4qVlggg/T3AuLTmVu0uHhwTQgMPlVs7U=');
  fill('cookie_secret', 'WwMtDXWaRDMBQCylle8OJ+w4kLIDIGd8W3cB4/zFFtg=');
  return env;
}

function validate(path: string, env: Record<string, string>) {
  return new Promise<{ code: number; out: string; err: string }>((resolve, reject) => {
    execFile(
      process.execPath,
      [mainFile, 'validate', '-c', path, '--format', 'json'],
      { env: { PATH: process.env.PATH ?? '', ...env } },
      (error, out, err) => {
        if (error !== null && typeof error.code !== 'number') reject(error);
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, out, err });
      },
    );
  });
}

test('every MCP config of the corpus is listed in its README and has an mcp route', () => {
  assert.ok(files.length >= 2);
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  for (const f of files) {
    assert.match(readme, new RegExp(`\`${f.replaceAll('.', '\\.')}\``), f);
    assert.match(readFileSync(join(dir, f), 'utf8'), /^\s+mcp:\n\s+(server|client):/m, f);
  }
});

for (const file of files) {
  test(`${file} passes portcullis validate (warnings allowed)`, async () => {
    const path = deployed(file);
    const r = await validate(path, deploymentEnv(path));
    assert.equal(r.code, 0, r.out + r.err);
    const report = JSON.parse(r.out) as { valid: boolean; problems: unknown[] };
    assert.equal(report.valid, true);
    assert.deepEqual(report.problems, []);
  });

  test(`${file} runs: its bootstrap passes envoy --mode validate`, async () => {
    const path = deployed(file);
    const { config } = await loadConfigFile(path, { env: deploymentEnv(path) });
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

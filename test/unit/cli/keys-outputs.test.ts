import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { parseConfigText } from '../../../config/index.js';
import { tempDir } from '../../helpers/config-fixtures.js';

const MAIN = fileURLToPath(new URL('../../../cli/main.js', import.meta.url));

function keys(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, 'keys', 'generate', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const mode = (path: string): number => statSync(path).mode & 0o777;

test('keys generate --files writes one 0600 file per secret and prints *_file keys the config loads', () => {
  const dir = join(tempDir(), 'secrets');
  const idp = join(tempDir(), 'idp-secret');
  writeFileSync(idp, 'client-secret-value\n');
  const r = keys('--files', dir, '--idp-client-secret-file', idp);
  assert.equal(r.code, 0, r.stderr);
  for (const f of ['shared_secret', 'cookie_secret', 'signing_key', 'idp_client_secret']) {
    assert.equal(mode(join(dir, f)), 0o600, f);
  }
  assert.equal(mode(dir), 0o700);
  const { config } = parseConfigText(r.stdout, { file: join(dir, 'c.yaml'), env: {} });
  assert.equal(config.shared_secret, readFileSync(join(dir, 'shared_secret'), 'utf8').trim());
  assert.equal(Buffer.from(config.cookie_secret ?? '', 'base64').length, 32);
  assert.match(config.signing_key ?? '', /^-----BEGIN PRIVATE KEY-----\n/);
  assert.equal(config.idp_client_secret, 'client-secret-value');
});

test('keys generate refuses to overwrite any existing file without --force and writes none of them', () => {
  const dir = tempDir();
  writeFileSync(join(dir, 'cookie_secret'), 'keep me');
  const r = keys('--files', dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /refusing to overwrite .*cookie_secret \(use --force/);
  assert.equal(readFileSync(join(dir, 'cookie_secret'), 'utf8'), 'keep me');
  assert.throws(() => statSync(join(dir, 'shared_secret')), /ENOENT/);

  const envFile = join(dir, 'portcullis.env');
  writeFileSync(envFile, 'OLD=1\n', { mode: 0o644 });
  assert.equal(keys('--dotenv', envFile).code, 1);
  assert.equal(readFileSync(envFile, 'utf8'), 'OLD=1\n');
  const out = join(dir, 'secret.yaml');
  writeFileSync(out, 'old');
  assert.equal(keys('--k8s-secret', 'portcullis-secrets', '--output', out).code, 1);
  assert.equal(readFileSync(out, 'utf8'), 'old');
});

test('keys generate --force replaces a file, mode 0600, and never writes through a symlink', () => {
  const dir = tempDir();
  const victim = join(tempDir(), 'victim');
  writeFileSync(victim, 'untouched');
  symlinkSync(victim, join(dir, 'shared_secret'));
  writeFileSync(join(dir, 'cookie_secret'), 'old', { mode: 0o644 });
  const r = keys('--files', dir, '--force');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(readFileSync(victim, 'utf8'), 'untouched');
  assert.ok(!lstatSync(join(dir, 'shared_secret')).isSymbolicLink());
  assert.equal(mode(join(dir, 'cookie_secret')), 0o600);
  assert.notEqual(readFileSync(join(dir, 'cookie_secret'), 'utf8'), 'old');
});

test('keys generate --dotenv writes KEY=value lines (0600) that configure every secret from the environment', () => {
  const file = join(tempDir(), 'portcullis.env');
  const r = keys('--dotenv', file);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  assert.equal(mode(file), 0o600);
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  assert.deepEqual(Object.keys(env).sort(), ['COOKIE_SECRET', 'SHARED_SECRET', 'SIGNING_KEY']);
  const { config } = parseConfigText('{}\n', { file: join(tempDir(), 'c.yaml'), env });
  assert.equal(Buffer.from(config.shared_secret ?? '', 'base64').length, 32);
  assert.equal(config.cookie_secret, env.COOKIE_SECRET);
  assert.ok(config.signing_key);
});

test('keys generate --k8s-secret prints a Secret with the keys the Helm chart mounts', () => {
  const idp = join(tempDir(), 'idp');
  writeFileSync(idp, 's3cret\n');
  const r = keys(
    '--k8s-secret',
    'portcullis-secrets',
    '--namespace',
    'auth',
    '--idp-client-secret-file',
    idp,
  );
  assert.equal(r.code, 0, r.stderr);
  const doc = parse(r.stdout) as {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace: string };
    data: Record<string, string>;
  };
  assert.equal(doc.apiVersion, 'v1');
  assert.equal(doc.kind, 'Secret');
  assert.deepEqual(doc.metadata, {
    name: 'portcullis-secrets',
    namespace: 'auth',
    labels: { 'app.kubernetes.io/name': 'portcullis' },
  });
  const chart = readFileSync(
    fileURLToPath(
      new URL('../../../../deploy/helm/portcullis/templates/configmap.yaml', import.meta.url),
    ),
    'utf8',
  );
  for (const key of Object.keys(doc.data))
    assert.ok(chart.includes(`${key}_file: /etc/portcullis/secrets/${key}\n`), key);
  const decoded = (k: string): string => Buffer.from(doc.data[k] ?? '', 'base64').toString('utf8');
  assert.equal(decoded('idp_client_secret'), 's3cret');
  assert.equal(Buffer.from(decoded('shared_secret'), 'base64').length, 32);
  assert.match(
    decoded('signing_key'),
    /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n$/,
  );

  const out = join(tempDir(), 'secret.yaml');
  assert.equal(keys('--k8s-secret', 'portcullis-secrets', '--output', out).code, 0);
  assert.equal(mode(out), 0o600);
});

test('keys generate refuses bad combinations and names with a usage error', () => {
  for (const args of [
    ['--k8s-secret', 'Bad_Name'],
    ['--k8s-secret', 'ok', '--namespace', 'no way'],
    ['--files', 'a', '--dotenv', 'b'],
    ['--namespace', 'x'],
    ['--force'],
    ['--files'],
    ['--bogus'],
  ]) {
    assert.equal(keys(...args).code, 2, args.join(' '));
  }
});

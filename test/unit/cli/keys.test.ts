import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { generateTlsFiles } from '../../../cli/commands/generate-tls-files.js';
import { generateKeysYaml } from '../../../cli/commands/keys.js';
import { parseConfigText } from '../../../config/index.js';
import { tempDir } from '../../helpers/config-fixtures.js';

test('keys generate prints secrets the config accepts', () => {
  const { config } = parseConfigText(generateKeysYaml(), { file: 'keys.yaml', env: {} });
  assert.equal(Buffer.from(config.shared_secret ?? '', 'base64').length, 32);
  assert.equal(Buffer.from(config.cookie_secret ?? '', 'base64').length, 32);
  assert.match(config.signing_key ?? '', /^-----BEGIN PRIVATE KEY-----\n/);
});

test('keys generate prints different secrets each time', () => {
  assert.notEqual(generateKeysYaml(), generateKeysYaml());
});

test('keys generate --tls writes a CA, a server and a client certificate the config accepts, keys 0600', () => {
  const dir = tempDir();
  const r = generateTlsFiles({ dir: join(dir, 'tls'), names: ['authorize-1'], configDir: dir });
  assert.equal(r.reusedCa, false);
  const { config } = parseConfigText(r.yaml, { file: join(dir, 'c.yaml'), env: {} });
  assert.equal(config.grpc_client_ca_file, join('tls', 'ca.pem'));
  const ca = new X509Certificate(readFileSync(join(dir, 'tls', 'ca.pem')));
  const server = new X509Certificate(readFileSync(join(dir, 'tls', 'server.pem')));
  const client = new X509Certificate(readFileSync(join(dir, 'tls', 'client.pem')));
  assert.ok(server.checkIssued(ca) && server.verify(ca.publicKey));
  assert.ok(client.checkIssued(ca) && client.verify(ca.publicKey));
  assert.equal(server.subjectAltName, 'DNS:authorize-1, DNS:localhost, IP Address:127.0.0.1');
  for (const f of ['ca-key.pem', 'server-key.pem', 'client-key.pem']) {
    assert.equal(statSync(join(dir, 'tls', f)).mode & 0o777, 0o600, f);
  }
});

test('keys generate --tls again keeps the CA and issues new certificates (rotation)', () => {
  const dir = tempDir();
  generateTlsFiles({ dir, names: [], configDir: dir });
  const [ca1, server1] = ['ca.pem', 'server.pem'].map((f) => readFileSync(join(dir, f), 'utf8'));
  const r = generateTlsFiles({ dir, names: [], configDir: dir });
  assert.equal(r.reusedCa, true);
  assert.equal(readFileSync(join(dir, 'ca.pem'), 'utf8'), ca1);
  const server2 = readFileSync(join(dir, 'server.pem'), 'utf8');
  assert.notEqual(server2, server1);
  assert.ok(new X509Certificate(server2).checkIssued(new X509Certificate(ca1!)));
});

// The start command's small pieces: listen addresses, the service plan (what split mode needs),
// generated secrets, the pretty log formatter, finding Envoy.
import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { findEnvoyBinary } from '../../../cli/lib/find-envoy-binary.js';
import { parseListenAddress, urlHostPort } from '../../../cli/lib/listen-address.js';
import { planServices } from '../../../cli/lib/plan-services.js';
import { prepareSecrets, withSecrets } from '../../../cli/lib/prepare-secrets.js';
import { formatLogLine } from '../../../cli/lib/pretty-log-stream.js';
import { parseConfigText } from '../../../config/index.js';
import { PortcullisError } from '../../../errors/index.js';
import { tempDir } from '../../helpers/config-fixtures.js';

const silent = pino({ level: 'silent' });
const KEY = `signing_key: |
  -----BEGIN PRIVATE KEY-----
  MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgEzL5jEJqJ55Iz1c6
  OmpZurAEa6n+EbEJpnR1AUFSpOihRANCAATNw2lE4GQHSir6zL+6RBZvS/FDtl1M
  6ZR0M6Qw9SsNx4pIC3KVjb3bbO1hyvpeAL07jnfiCJ2S8dAy8RU/0iHU
  -----END PRIVATE KEY-----
`;
const SECRET = 'shared_secret: ubxqVmfhHrgk7ZbQZlJReG8m0v5lsHiv3D82jxaPrZM=\n';
const PG =
  'databroker_storage_type: postgres\ndatabroker_storage_connection_string: postgres://u@127.0.0.1/db\n';
const load = (yaml: string) => parseConfigText(yaml, { file: 't.yaml', env: {} });

for (const c of [
  { input: ':443', want: { host: '0.0.0.0', port: 443 } },
  { input: '127.0.0.1:8081', want: { host: '127.0.0.1', port: 8081 } },
  { input: '[::1]:5443', want: { host: '::1', port: 5443 } },
  { input: 'localhost:0', want: { host: 'localhost', port: 0 } },
]) {
  test(`parses the listen address ${c.input}`, () => {
    assert.deepEqual(parseListenAddress(c.input, 'address'), c.want);
  });
}

for (const bad of ['443', 'host:', 'a:b:c', '127.0.0.1:65536', ':-1', '[::1:80', 'x:80/evil']) {
  test(`refuses the listen address ${JSON.stringify(bad)} with CONFIG_INVALID`, () => {
    assert.throws(
      () => parseListenAddress(bad, 'grpc_address'),
      (e: unknown) => e instanceof PortcullisError && e.code === 'CONFIG_INVALID',
    );
  });
}

test('takes host and default port from service URLs', () => {
  assert.deepEqual(urlHostPort('http://127.0.0.1:5080'), { host: '127.0.0.1', port: 5080 });
  assert.deepEqual(urlHostPort('https://authn.internal'), { host: 'authn.internal', port: 443 });
  assert.deepEqual(urlHostPort('http://[::1]/'), { host: '::1', port: 80 });
});

test('all-in-one runs every service in one process on the memory databroker', () => {
  const plan = planServices(load('services: all\n'));
  assert.deepEqual(plan, { authorize: true, authenticate: true, proxy: true, sharedProcess: true });
});

for (const c of [
  {
    name: 'authorize alone on the memory databroker',
    yaml: `services: authorize\n${SECRET}${KEY}`,
    key: 'databroker_storage_type',
  },
  {
    name: 'authorize alone without signing_key',
    yaml: `services: authorize\n${SECRET}${PG}`,
    key: 'signing_key',
  },
  {
    name: 'authenticate alone without authenticate_internal_service_url',
    yaml: `services: authenticate\n${SECRET}${KEY}${PG}`,
    key: 'authenticate_internal_service_url',
  },
]) {
  test(`refuses to start ${c.name} (CONFIG_INVALID naming ${c.key})`, () => {
    const loaded = load(c.yaml);
    assert.throws(
      () => planServices(loaded),
      (e: unknown) =>
        e instanceof PortcullisError && e.code === 'CONFIG_INVALID' && e.message.includes(c.key),
    );
  });
}

test('a split authorize replica on Postgres with a signing key is fine, and proxy alone needs neither', () => {
  const replica = planServices(load(`services: authorize\n${SECRET}${KEY}${PG}`));
  assert.deepEqual(replica, {
    authorize: true,
    authenticate: false,
    proxy: false,
    sharedProcess: false,
  });
  assert.equal(planServices(load(`services: proxy\n${SECRET}`)).proxy, true);
});

test('all-in-one without secrets generates one shared_secret and one signing key set', () => {
  const loaded = load('services: all\n');
  const secrets = prepareSecrets(loaded, silent);
  assert.equal(Buffer.from(secrets.sharedSecret ?? '', 'base64').length, 32);
  assert.equal(secrets.signingKeys?.length, 1);
  assert.equal(secrets.signingKeys?.[0]?.alg, 'ES256');
  const filled = withSecrets(loaded, secrets);
  assert.equal(filled.config.shared_secret, secrets.sharedSecret);
  assert.ok(Object.isFrozen(filled.config));
  assert.equal(filled.file, loaded.file);
});

test('configured secrets are used as they are', () => {
  const loaded = load(`${SECRET}${KEY}`);
  const secrets = prepareSecrets(loaded, silent);
  assert.equal(secrets.sharedSecret, undefined);
  assert.equal(secrets.signingKeys, undefined);
  assert.equal(withSecrets(loaded, secrets), loaded);
});

test('the pretty formatter prints time, level, service, message and fields', () => {
  const line = JSON.stringify({
    level: 40,
    time: Date.UTC(2026, 0, 1, 12, 0, 1, 234),
    pid: 1,
    service: 'authorize',
    msg: 'reload refused',
    code: 'CONFIG_INVALID',
    path: 'a b',
  });
  assert.equal(
    formatLogLine(line),
    '12:00:01.234 WARN  [authorize] reload refused code=CONFIG_INVALID path="a b"',
  );
  assert.equal(formatLogLine('not json {'), 'not json {');
  assert.equal(formatLogLine('null'), 'null');
});

test('finds envoy from ENVOY_BIN, else on PATH, else null', () => {
  const dir = tempDir();
  const bin = join(dir, 'envoy');
  writeFileSync(bin, '#!/bin/sh\n');
  chmodSync(bin, 0o755);
  assert.equal(findEnvoyBinary({ ENVOY_BIN: bin }), bin);
  assert.equal(findEnvoyBinary({ PATH: `/nonexistent:${dir}` }), bin);
  assert.equal(findEnvoyBinary({ PATH: '/nonexistent' }), null);
  assert.equal(findEnvoyBinary({ ENVOY_BIN: join(dir, 'missing'), PATH: dir }), null);
});

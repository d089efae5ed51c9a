// Issue 15: envoy_admin_address, envoy_admin_access_log_path and envoy_admin_profile_path put
// Envoy's admin interface where the config says (the real Envoy answers there and logs to the
// file); an explicit admin port (CLI --admin-port, tests) still wins over the address.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfigText } from '../../../config/index.js';
import { adminSettings, buildAdsBootstrap, buildBootstrap } from '../../../envoy/index.js';
import { freePort } from '../../helpers/free-port.js';
import { launchEnvoy } from '../../helpers/spawn-envoy.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-admin-'));

function config(extra: string) {
  return parseConfigText(
    `insecure_server: true\naddress: 127.0.0.1:0\n${extra}\nroutes:\n  - from: http://a.example.com\n    to: http://127.0.0.1:9\n    allow_public_unauthenticated_access: true\n`,
    { file: 'admin.yaml', env: {} },
  ).config;
}

const endpoints = {
  authz: [{ host: '127.0.0.1', port: 5443 }],
  authn: { host: '127.0.0.1', port: 8081 },
};

test('the real Envoy serves its admin interface on envoy_admin_address and logs to the access log path', async () => {
  const port = await freePort();
  const log = join(dir, 'admin-access.log');
  const c = config(
    `envoy_admin_address: 127.0.0.1:${port}\nenvoy_admin_access_log_path: ${log}\nenvoy_admin_profile_path: ${join(dir, 'envoy.prof')}`,
  );
  const result = buildBootstrap(c, endpoints);
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  const envoy = await launchEnvoy(result.bootstrap);
  try {
    const res = await fetch(`http://127.0.0.1:${port}/ready`);
    assert.equal(res.status, 200);
    assert.equal((await res.text()).trim(), 'LIVE');
    await fetch(`http://127.0.0.1:${port}/server_info`);
  } finally {
    await envoy.stop();
  }
  assert.ok(existsSync(log), 'the admin access log exists');
  assert.match(readFileSync(log, 'utf8'), /\/server_info/);
});

test('an explicit admin port wins over envoy_admin_address; without either, loopback:9901', () => {
  const c = config('envoy_admin_address: 0.0.0.0:19901');
  const withPort = buildBootstrap(c, { ...endpoints, adminPort: 0 });
  assert.ok(withPort.ok);
  assert.deepEqual(withPort.bootstrap.admin, {
    address: { socket_address: { address: '127.0.0.1', port_value: 0 } },
  });
  const fromConfig = buildBootstrap(c, endpoints);
  assert.ok(fromConfig.ok);
  assert.deepEqual(fromConfig.bootstrap.admin, {
    address: { socket_address: { address: '0.0.0.0', port_value: 19901 } },
  });
  const plain = buildBootstrap(config(''), endpoints);
  assert.ok(plain.ok);
  assert.deepEqual(plain.bootstrap.admin, {
    address: { socket_address: { address: '127.0.0.1', port_value: 9901 } },
  });
});

test('the ADS bootstrap of portcullis start carries the admin settings', () => {
  const b = buildAdsBootstrap({
    ads: { host: '127.0.0.1', port: 5443 },
    adminPort: 0,
    admin: adminSettings({
      envoy_admin_address: ':9902',
      envoy_admin_profile_path: '/tmp/envoy.prof',
    }),
  });
  assert.deepEqual(b.admin, {
    address: { socket_address: { address: '0.0.0.0', port_value: 9902 } },
    profile_path: '/tmp/envoy.prof',
  });
});

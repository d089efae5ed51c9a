import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../../config/index.js';

for (const key of [
  'health_check_addr: 127.0.0.1:28080',
  'debug_address: 127.0.0.1:9999',
  'databroker_service_url: https://databroker.example.com',
  'databroker_service_urls: [https://databroker.example.com]',
  'databroker_internal_service_url: https://databroker.internal',
]) {
  test(`a config setting ${key.split(':')[0]} loads with an unimplemented_key warning at its position`, () => {
    const loaded = parseConfigText(`insecure_server: true\n${key}\n`, { file: 'c.yaml', env: {} });
    const w = loaded.warnings.find((i) => i.code === 'unimplemented_key');
    assert.equal(w?.path, key.split(':')[0]);
    assert.equal(w?.line, 2);
    assert.match(w?.message ?? '', /is accepted but not implemented yet/);
  });
}

test('health_check_addr left at its default is not warned about', () => {
  const loaded = parseConfigText('insecure_server: true\n', { file: 'c.yaml', env: {} });
  assert.equal(loaded.warnings.filter((i) => i.code === 'unimplemented_key').length, 0);
});

test('an ignored key set from the environment is warned about too', () => {
  const loaded = parseConfigText('insecure_server: true\n', {
    file: 'c.yaml',
    env: { DEBUG_ADDRESS: '127.0.0.1:9' },
  });
  assert.ok(
    loaded.warnings.some((i) => i.code === 'unimplemented_key' && i.path === 'debug_address'),
  );
});

for (const c of [
  { dsn: 'postgres://u:p@db.internal/x', warned: true },
  { dsn: 'postgres://u:p@db.internal/x?sslmode=prefer', warned: true },
  { dsn: 'postgres://u:p@db.internal/x?sslmode=verify-full', warned: false },
  { dsn: 'postgres://u:p@127.0.0.1/x', warned: false },
]) {
  test(`a PostgreSQL connection string ${c.dsn} is ${c.warned ? '' : 'not '}warned about as clear text`, () => {
    const loaded = parseConfigText(
      `databroker_storage_type: postgres\nshared_secret: qIJ1BVzrPKysZsGqW55c+3Cn4vajtTviZSMXQqQn0sA=\ndatabroker_storage_connection_string: ${c.dsn}\n`,
      { file: 'c.yaml', env: {} },
    );
    const w = loaded.warnings.filter((i) => i.path === 'databroker_storage_connection_string');
    assert.equal(w.length, c.warned ? 1 : 0);
    assert.ok(w.every((i) => i.code === 'insecure_setting' && !i.message.includes('u:p')));
  });
}

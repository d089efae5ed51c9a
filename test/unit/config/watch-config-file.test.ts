import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, type LoadedConfig, watchConfigFile } from '../../../config/index.js';
import { tempDir } from '../../helpers/config-fixtures.js';

/** Waits for the next callback of the watcher (fails after 5 s). */
function next<T>(register: (resolve: (v: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no reload event within 5 s')), 5000);
    register((v) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

test('hands over a valid new config and reports an invalid one without replacing it', async () => {
  const dir = tempDir();
  const file = join(dir, 'config.yaml');
  writeFileSync(file, 'cookie_name: first\n');
  let onReload: (l: LoadedConfig) => void = () => {};
  let onError: (e: unknown) => void = () => {};
  const watcher = watchConfigFile(file, {
    env: {},
    debounceMs: 20,
    onReload: (l) => onReload(l),
    onError: (e) => onError(e),
  });
  try {
    await new Promise((r) => setTimeout(r, 50));
    const reloaded = next<LoadedConfig>((r) => {
      onReload = r;
    });
    writeFileSync(file, 'cookie_name: second\n');
    assert.equal((await reloaded).config.cookie_name, 'second');

    const failed = next<unknown>((r) => {
      onError = r;
    });
    onReload = () => assert.fail('an invalid config must not be handed over');
    writeFileSync(file, 'cookie_name: third\ncookie_expire: never\n');
    const err = await failed;
    assert.ok(err instanceof ConfigError);
    assert.equal(err.issues[0]?.code, 'invalid_duration');
    assert.equal(err.issues[0]?.line, 2);

    const replaced = next<LoadedConfig>((r) => {
      onReload = r;
    });
    writeFileSync(join(dir, 'new.yaml'), 'cookie_name: fourth\n');
    renameSync(join(dir, 'new.yaml'), file);
    assert.equal((await replaced).config.cookie_name, 'fourth');
  } finally {
    watcher.close();
  }
});

import assert from 'node:assert/strict';
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
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

test('reloads when a mounted Kubernetes ConfigMap swaps its ..data link', async () => {
  // The kubelet's atomic writer: config.yaml -> ..data/config.yaml, ..data -> ..<timestamp>/;
  // an update writes a new ..<timestamp>/ and renames a fresh link over ..data.
  const dir = tempDir();
  mkdirSync(join(dir, '..v1'));
  writeFileSync(join(dir, '..v1', 'config.yaml'), 'cookie_name: first\n');
  symlinkSync('..v1', join(dir, '..data'));
  symlinkSync('..data/config.yaml', join(dir, 'config.yaml'));
  let onReload: (l: LoadedConfig) => void = () => {};
  const watcher = watchConfigFile(join(dir, 'config.yaml'), {
    env: {},
    debounceMs: 20,
    onReload: (l) => onReload(l),
    onError: (e) => assert.fail(String(e)),
  });
  try {
    await new Promise((r) => setTimeout(r, 50));
    const reloaded = next<LoadedConfig>((r) => {
      onReload = r;
    });
    mkdirSync(join(dir, '..v2'));
    writeFileSync(join(dir, '..v2', 'config.yaml'), 'cookie_name: second\n');
    symlinkSync('..v2', join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    assert.equal((await reloaded).config.cookie_name, 'second');
  } finally {
    watcher.close();
  }
});

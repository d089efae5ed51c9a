// The `portcullis` command keeps Node's module compile cache (cli/lib/compile-cache.ts) where the
// environment says, and still runs where the cache cannot be written or Node has none.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileCacheDir } from '../../../cli/lib/compile-cache.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'cli', 'main.js');
const hasCache =
  typeof (nodeModule as { enableCompileCache?: unknown }).enableCompileCache === 'function';

function runHelp(env: Record<string, string>) {
  const clean = { ...process.env };
  delete clean.NODE_COMPILE_CACHE;
  delete clean.NODE_DISABLE_COMPILE_CACHE;
  return spawnSync(process.execPath, [CLI, 'validate', '--help'], {
    encoding: 'utf8',
    env: { ...clean, ...env },
  });
}

test('the cache goes under XDG_CACHE_HOME when it is set, else a folder of this user under the temp dir', () => {
  assert.equal(compileCacheDir({ XDG_CACHE_HOME: '/x' }), '/x/portcullis/compile-cache');
  assert.ok(compileCacheDir({}).startsWith(tmpdir()));
});

test('a run of the command fills the compile cache under XDG_CACHE_HOME (Node ≥ 22.1)', () => {
  const home = mkdtempSync(join(tmpdir(), 'portcullis-cc-'));
  try {
    const r = runHelp({ XDG_CACHE_HOME: home });
    assert.equal(r.status, 0, r.stderr);
    const dir = join(home, 'portcullis', 'compile-cache');
    if (hasCache) assert.ok(readdirSync(dir).length > 0, 'cache folder is empty');
    else assert.equal(existsSync(dir), false);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('a cache folder that cannot be written does not stop the command', () => {
  const home = mkdtempSync(join(tmpdir(), 'portcullis-cc-'));
  try {
    // a regular file where the folder would be: no one, root included, can create it
    const file = join(home, 'file');
    writeFileSync(file, '');
    const r = runHelp({ XDG_CACHE_HOME: file });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /Usage: portcullis validate/);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

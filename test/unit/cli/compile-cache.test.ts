// The `portcullis` command (the shipped bundle) keeps Node's module compile cache (cli/lib/compile-cache.ts) where the
// environment says, and still runs where the cache cannot be written or Node has none.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  compileCacheDir,
  privateCacheFolder,
  unsafeCacheFolder,
} from '../../../cli/lib/compile-cache.js';
import { PORTCULLIS_ENTRY } from '../../helpers/portcullis-entry.js';

/** The shipped entry: its launcher turns the cache on, then loads the bundle (cli/portcullis.ts). */
const CLI = PORTCULLIS_ENTRY;
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

test('a run of the shipped command fills the compile cache under XDG_CACHE_HOME, and the next run compiles the bundle from it (Node ≥ 22.1)', () => {
  const home = mkdtempSync(join(tmpdir(), 'portcullis-cc-'));
  try {
    const r = runHelp({ XDG_CACHE_HOME: home });
    assert.equal(r.status, 0, r.stderr);
    const dir = join(home, 'portcullis', 'compile-cache');
    if (!hasCache) {
      assert.equal(existsSync(dir), false);
      return;
    }
    assert.ok(readdirSync(dir).length > 0, 'cache folder is empty');
    // the launcher loads before the cache is on; the bundle it imports then must come from it
    // (Node's own report of its compile cache)
    const again = runHelp({ XDG_CACHE_HOME: home, NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
    assert.equal(again.status, 0, again.stderr);
    assert.match(again.stderr, /code cache for ESM \S+\/portcullis-main\.mjs was accepted/);
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

const stat = (
  over: Partial<{ uid: number; mode: number; dir: boolean; link: boolean }> = {},
): Parameters<typeof unsafeCacheFolder>[0] => ({
  uid: over.uid ?? 1000,
  mode: over.mode ?? 0o40700,
  isDirectory: () => over.dir ?? true,
  isSymbolicLink: () => over.link ?? false,
});

const FOLDERS: [string, Parameters<typeof unsafeCacheFolder>[0], RegExp | null][] = [
  ['a private folder of this user', stat(), null],
  ['a folder of this user others may read', stat({ mode: 0o40755 }), null],
  ['a folder of another user (planted in a shared /tmp)', stat({ uid: 1001 }), /uid 1001/],
  ['a folder anyone may write to', stat({ mode: 0o41777 }), /others can write/],
  ['a folder its group may write to', stat({ mode: 0o40770 }), /others can write/],
  ['a symbolic link to a folder', stat({ link: true, dir: false }), /symbolic link/],
  ['a regular file', stat({ dir: false, mode: 0o100600 }), /not a folder/],
];
for (const [name, st, refused] of FOLDERS) {
  test(`the compile cache ${refused ? 'refuses' : 'takes'} ${name}`, () => {
    const why = unsafeCacheFolder(st, 1000);
    if (refused === null) assert.equal(why, null);
    else assert.match(String(why), refused);
  });
}

test('a cache folder others can write to, or a symlink in its place, is not used, and the command still runs', () => {
  const home = mkdtempSync(join(tmpdir(), 'portcullis-cc-'));
  try {
    const open = join(home, 'open', 'portcullis', 'compile-cache');
    mkdirSync(open, { recursive: true });
    chmodSync(open, 0o777);
    assert.equal(privateCacheFolder(open), null);
    const r = runHelp({ XDG_CACHE_HOME: join(home, 'open') });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readdirSync(open), [], 'nothing was written to the open folder');

    const target = mkdtempSync(join(tmpdir(), 'portcullis-cc-target-'));
    const linked = join(home, 'linked', 'portcullis');
    mkdirSync(linked, { recursive: true });
    symlinkSync(target, join(linked, 'compile-cache'));
    assert.equal(privateCacheFolder(join(linked, 'compile-cache')), null);
    rmSync(target, { recursive: true, force: true });

    const fresh = join(home, 'fresh', 'portcullis', 'compile-cache');
    assert.equal(privateCacheFolder(fresh), fresh);
    assert.equal(statSync(fresh).mode & 0o777, 0o700);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

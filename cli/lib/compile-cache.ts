// Node's module compile cache for the `portcullis` command (docs/performance.md "The cold path"):
// the V8 code of every module loaded is kept on disk and reused by the next start, which then
// skips most of the compiling. Node ≥ 22.1 only (on Node 20 nothing happens). The folder is
// $XDG_CACHE_HOME/portcullis/compile-cache, else one per user under the OS temp dir (the
// container images' root filesystem is read-only; their /tmp is writable). NODE_COMPILE_CACHE
// (a folder of your choice) and NODE_DISABLE_COMPILE_CACHE=1 are Node's own and win.
//
// The cache is code this process runs: a folder someone else can write to (a name in a shared
// /tmp planted by another user, a symlink, a folder open to others) could hand it their V8 code.
// Such a folder is not used — the start is slower, nothing else.
import { lstatSync, mkdirSync, type Stats } from 'node:fs';
import nodeModule from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

type Enable = (dir?: string) => unknown;

/** The folder the cache goes to for this environment. */
export function compileCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  return env.XDG_CACHE_HOME
    ? join(env.XDG_CACHE_HOME, 'portcullis', 'compile-cache')
    : join(tmpdir(), `portcullis-compile-cache-${process.getuid?.() ?? 'user'}`);
}

/** Why a folder may not hold code this process runs, or null when it may. */
export function unsafeCacheFolder(
  st: Pick<Stats, 'uid' | 'mode'> & { isDirectory(): boolean; isSymbolicLink(): boolean },
  uid: number | undefined,
): string | null {
  if (st.isSymbolicLink()) return 'is a symbolic link';
  if (!st.isDirectory()) return 'is not a folder';
  if (uid !== undefined && st.uid !== uid) return `belongs to uid ${st.uid}`;
  if ((st.mode & 0o022) !== 0) return 'others can write to it';
  return null;
}

/** Creates the folder private to this user; null when it exists and is not safely ours. */
export function privateCacheFolder(dir: string): string | null {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    return unsafeCacheFolder(lstatSync(dir), process.getuid?.()) === null ? dir : null;
  } catch {
    return null; // a cache that cannot be written costs start time, nothing else
  }
}

export function enableCompileCache(
  env: Readonly<Record<string, string | undefined>> = process.env,
): void {
  const enable = (nodeModule as { enableCompileCache?: Enable }).enableCompileCache;
  if (typeof enable !== 'function') return;
  const dir = privateCacheFolder(compileCacheDir(env));
  if (dir === null) return;
  try {
    enable.call(nodeModule, dir);
  } catch {
    // as above
  }
}

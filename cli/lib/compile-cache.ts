// Node's module compile cache for the `portcullis` command (docs/performance.md "The cold path"):
// the V8 code of every module loaded is kept on disk and reused by the next start, which then
// skips most of the compiling. Node ≥ 22.1 only (on Node 20 nothing happens). The folder is
// $XDG_CACHE_HOME/portcullis/compile-cache, else one per user under the OS temp dir (the
// container images' root filesystem is read-only; their /tmp is writable). NODE_COMPILE_CACHE
// (a folder of your choice) and NODE_DISABLE_COMPILE_CACHE=1 are Node's own and win.
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

export function enableCompileCache(
  env: Readonly<Record<string, string | undefined>> = process.env,
): void {
  const enable = (nodeModule as { enableCompileCache?: Enable }).enableCompileCache;
  if (typeof enable !== 'function') return;
  try {
    enable.call(nodeModule, compileCacheDir(env));
  } catch {
    // a cache that cannot be written costs start time, nothing else
  }
}

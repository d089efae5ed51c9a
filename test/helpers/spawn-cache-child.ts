// Starts test/helpers/cache-child in a child process (same loader as ours: tsx or compiled JS)
// and gives line-based access to its output.
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface CacheChild {
  readonly process: ChildProcess;
  send(line: string): void;
  /** Resolves with the next output line matching `prefix`. */
  next(prefix: string, timeoutMs?: number): Promise<string>;
  /** Registers a handler for every output line. */
  onLine(fn: (line: string) => void): void;
  stop(): Promise<void>;
}

export async function spawnCacheChild(
  url: string,
  schema: string,
  secret: string,
): Promise<CacheChild> {
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  const script = new URL(`./cache-child.${ext}`, import.meta.url).pathname;
  const child = spawn(process.execPath, [...process.execArgv, script, url, schema, secret], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const handlers = new Set<(line: string) => void>();
  createInterface({ input: child.stdout! }).on('line', (line) => {
    for (const h of handlers) h(line);
  });
  const api: CacheChild = {
    process: child,
    send: (line) => void child.stdin!.write(`${line}\n`),
    next(prefix, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          handlers.delete(h);
          reject(new Error(`child did not print '${prefix}' in time`));
        }, timeoutMs);
        const h = (line: string): void => {
          if (!line.startsWith(prefix)) return;
          clearTimeout(timer);
          handlers.delete(h);
          resolve(line);
        };
        handlers.add(h);
        child.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`child exited with ${code}`));
        });
      });
    },
    onLine: (fn) => void handlers.add(fn),
    async stop() {
      if (child.exitCode !== null) return;
      child.stdin!.end('quit\n');
      await new Promise((r) => child.once('exit', r));
    },
  };
  await api.next('ready', 30_000);
  return api;
}

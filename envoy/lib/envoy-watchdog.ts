// Envoy never outlives the process that supervises it. Two guards:
// - an `exit` hook kills every live Envoy child on any exit path of this process (process.exit,
//   an uncaught exception, a second Ctrl-C);
// - a watchdog for the paths where no JavaScript runs (SIGKILL, OOM kill, a crash): a tiny `sh`
//   child reads a pipe from this process; the kernel closes the pipe when this process dies, the
//   read returns, and the watchdog terminates Envoy (SIGTERM, then SIGKILL after 3 s).
import { type ChildProcess, spawn } from 'node:child_process';

const live = new Set<ChildProcess>();
let hooked = false;

function killAll(): void {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

// `read` returns at EOF (the parent died) — or on a line, which we never write.
const WATCHDOG = `read _ignored
if kill -0 "$1" 2>/dev/null; then
  kill -TERM "$1" 2>/dev/null
  i=0
  while kill -0 "$1" 2>/dev/null && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done
  kill -KILL "$1" 2>/dev/null
fi`;

export interface EnvoyGuard {
  /** Call when the Envoy child has exited (stops its watchdog). */
  release(): void;
}

/** Guards one Envoy child process until release(). */
export function guardEnvoy(child: ChildProcess): EnvoyGuard {
  if (!hooked) {
    hooked = true;
    process.on('exit', killAll);
  }
  live.add(child);
  let watchdog: ChildProcess | undefined;
  if (child.pid !== undefined) {
    watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'portcullis-envoy-watchdog', String(child.pid)], {
      stdio: ['pipe', 'ignore', 'ignore'],
      // Its own process group: a Ctrl-C to ours must not kill the guard before it is needed.
      detached: true,
    });
    watchdog.on('error', () => undefined);
    watchdog.stdin?.on('error', () => undefined);
    // Neither the child nor its pipe keeps this process's event loop alive.
    watchdog.unref();
    (watchdog.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }
  return {
    release() {
      live.delete(child);
      if (watchdog !== undefined && watchdog.exitCode === null && watchdog.signalCode === null) {
        watchdog.kill('SIGKILL');
      }
    },
  };
}

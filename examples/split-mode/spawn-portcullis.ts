// Runs `portcullis start` as a child process (JSON logs) and resolves once it logs `ready`;
// if it exits first, rejects with its last log lines.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cli', 'portcullis.mjs');

export interface PortcullisProcessOptions {
  /** Name used in errors and `onLine`. */
  readonly name: string;
  readonly configFile: string;
  /** Added to the environment (SERVICES, GRPC_ADDRESS, DATABROKER_STORAGE_CONNECTION_STRING…). */
  readonly env?: Readonly<Record<string, string>>;
  readonly databrokerSchema?: string;
  /** Every log line (JSON) as it comes. */
  readonly onLine?: (name: string, line: string) => void;
  /** Node options for the child (e.g. `--cpu-prof`). */
  readonly execArgv?: readonly string[];
  /** Give up waiting for `ready` after this long (default 30 s). */
  readonly readyTimeoutMs?: number;
  /** More `portcullis start` arguments (e.g. `--authz-workers 3`). */
  readonly args?: readonly string[];
}

export interface PortcullisProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** The most recent log lines (up to 200). */
  readonly lines: readonly string[];
  /** Resolves with the exit code (or signal name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** SIGTERM (or `signal`), then waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export async function spawnPortcullis(
  options: PortcullisProcessOptions,
): Promise<PortcullisProcess> {
  const args = [
    ...(options.execArgv ?? []),
    CLI,
    'start',
    '-c',
    options.configFile,
    '--log-format',
    'json',
  ];
  if (options.databrokerSchema) args.push('--databroker-schema', options.databrokerSchema);
  if (options.args) args.push(...options.args);
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > 200) lines.shift();
    options.onLine?.(options.name, line);
  };
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(
            `${options.name}: not ready after ${options.readyTimeoutMs ?? 30_000} ms:\n${lines.slice(-15).join('\n')}`,
          ),
        ),
      options.readyTimeoutMs ?? 30_000,
    );
    let isReady = false;
    createInterface({ input: child.stdout! }).on('line', (line) => {
      keep(line);
      if (!isReady && /"msg":"ready"/.test(line)) {
        isReady = true;
        clearTimeout(timer);
        resolve();
      }
    });
    createInterface({ input: child.stderr! }).on('line', keep);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `${options.name} exited (${code}) before it was ready:\n${lines.slice(-15).join('\n')}`,
        ),
      );
    });
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  try {
    await ready;
  } catch (err) {
    await stop('SIGKILL');
    throw err;
  }
  return { name: options.name, child, lines, exited, stop };
}

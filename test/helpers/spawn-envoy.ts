// Starts the real Envoy ($ENVOY_BIN) for tests: fails (never skips) with how to install it when
// it is missing; finds the ports of listeners bound to port 0 through the admin interface; sends
// plain HTTP requests with a chosen Host header.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { type Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { ENVOY_INSTALL_HINT, type EnvoyProcess, startEnvoy } from '../../envoy/index.js';

/** $ENVOY_BIN, or a thrown error saying how to install Envoy. */
export function envoyBin(): string {
  const bin = process.env.ENVOY_BIN;
  if (bin === undefined || bin === '' || !existsSync(bin)) {
    throw new Error(`Envoy is needed for this test: ${ENVOY_INSTALL_HINT} (source .test-env)`);
  }
  return bin;
}

export interface RunningEnvoy {
  readonly process: EnvoyProcess;
  /** Listener name → bound port. */
  ports(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

export async function launchEnvoy(bootstrap: Record<string, unknown>): Promise<RunningEnvoy> {
  const proc = startEnvoy({ envoyBin: envoyBin(), bootstrap, logger: pino({ level: 'silent' }) });
  try {
    await proc.ready(20_000);
  } catch (err) {
    await proc.stop();
    throw err;
  }
  return {
    process: proc,
    async ports() {
      const res = await fetch(`${proc.adminUrl}/listeners?format=json`);
      const body = (await res.json()) as {
        listener_statuses: {
          name: string;
          local_address: { socket_address: { port_value: number } };
        }[];
      };
      return Object.fromEntries(
        body.listener_statuses.map((l) => [l.name, l.local_address.socket_address.port_value]),
      );
    },
    stop: () => proc.stop(),
  };
}

/** Runs `envoy --mode validate` on a bootstrap; resolves to its exit code and output. */
export function envoyValidate(bootstrap: unknown): Promise<{ code: number; output: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-validate-'));
  const file = join(dir, 'bootstrap.json');
  writeFileSync(file, JSON.stringify(bootstrap));
  return new Promise((resolve) => {
    execFile(
      envoyBin(),
      ['--mode', 'validate', '-c', file, '--disable-hot-restart', '-l', 'warning'],
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        rmSync(dir, { recursive: true, force: true });
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTP/1.1 request to 127.0.0.1:port with the given Host header (a fresh connection unless an agent is given). */
export function httpGet(
  port: number,
  host: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
  agent: Agent | false = false,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, headers: { host, ...headers }, agent },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

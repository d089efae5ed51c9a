// Pebble, Let's Encrypt's ACME test server (built by scripts/setup/pebble, PEBBLE_BIN), for the
// ACME e2e: its own TLS certificate from a throwaway CA, HTTP-01 validation against `httpPort`
// (Envoy's plain-HTTP listener) with names resolved by `dnsServer`. Without the binary the test
// FAILS with how to build it.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { issueCertificate, issueCertificateAuthority } from '../../envoy/index.js';
import { tempDir } from './config-fixtures.js';
import { freePort } from './free-port.js';

export const PEBBLE_INSTALL_HINT =
  'Pebble is required for the ACME e2e: run ./scripts/setup/pebble (builds it from the Go module proxy) and export PEBBLE_BIN (./scripts/setup-test-env writes it to .test-env)';

export interface Pebble {
  /** The ACME directory URL. */
  readonly directory: string;
  /** PEM CA that verifies Pebble's HTTPS (autocert_trusted_ca). */
  readonly tlsCa: string;
  readonly lines: readonly string[];
  /** PEM of the root that signs the certificates Pebble issues. */
  issuingRoot(): Promise<string>;
  stop(): Promise<void>;
  /** Starts it again on the same ports (a new issuing CA, as a real restart would have). */
  restart(): Promise<void>;
}

function pebbleBin(): string {
  const bin = process.env.PEBBLE_BIN;
  if (!bin || !existsSync(bin))
    throw new Error(`PEBBLE_BIN is not set to a pebble binary. ${PEBBLE_INSTALL_HINT}`);
  return bin;
}

export async function startPebble(opts: {
  readonly httpPort: number;
  readonly dnsServer: string;
  readonly blocked?: readonly string[];
}): Promise<Pebble> {
  const bin = pebbleBin();
  const dir = tempDir();
  const ca = issueCertificateAuthority('Pebble test TLS CA');
  const tls = issueCertificate(ca, {
    commonName: 'pebble',
    hosts: ['127.0.0.1', 'localhost'],
    usage: 'server',
  });
  writeFileSync(join(dir, 'cert.pem'), tls.cert);
  writeFileSync(join(dir, 'key.pem'), tls.key);
  const [port, mgmt, tlsPort] = [await freePort(), await freePort(), await freePort()];
  writeFileSync(
    join(dir, 'pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${mgmt}`,
        certificate: join(dir, 'cert.pem'),
        privateKey: join(dir, 'key.pem'),
        httpPort: opts.httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        domainBlocklist: opts.blocked ?? ['blocked-domain.example'],
        retryAfter: { authz: 1, order: 1 },
        keyAlgorithm: 'ecdsa',
        profiles: { default: { description: 'default', validityPeriod: 7776000 } },
      },
    }),
  );
  const lines: string[] = [];
  let child: ChildProcess | undefined;
  const launch = async () => {
    const c = spawn(bin, ['-config', join(dir, 'pebble.json'), '-dnsserver', opts.dnsServer], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PEBBLE_VA_NOSLEEP: '1' },
    });
    child = c;
    const onData = (b: Buffer) => {
      for (const l of b.toString().split('\n')) if (l) lines.push(l);
      if (lines.length > 400) lines.splice(0, lines.length - 400);
    };
    c.stdout!.on('data', onData);
    c.stderr!.on('data', onData);
    for (let i = 0; i < 200; i++) {
      if (c.exitCode !== null || c.signalCode !== null)
        throw new Error(`pebble exited:\n${lines.slice(-10).join('\n')}`);
      if (
        await get(`https://127.0.0.1:${port}/dir`, ca.cert).then(
          () => true,
          () => false,
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 100));
    }
    c.kill('SIGKILL');
    throw new Error(`pebble did not answer:\n${lines.slice(-10).join('\n')}`);
  };
  const stop = async () => {
    const c = child;
    if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  await launch();
  return {
    directory: `https://127.0.0.1:${port}/dir`,
    tlsCa: ca.cert,
    lines,
    issuingRoot: () => get(`https://127.0.0.1:${mgmt}/roots/0`, ca.cert),
    stop,
    restart: launch,
  };
}

function get(url: string, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { ca, timeout: 5000, headers: { 'user-agent': 'portcullis-test' } },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () =>
          res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

// The edge as an attacker meets it: the real authz server (its `authorize` log lines kept), a
// real Envoy on TLS running the bootstrap the envoy room generates, and upstreams that log
// every request they receive; requests are written byte for byte over TLS (duplicate Host
// headers, raw paths), so nothing between the test and Envoy normalises them.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { connect } from 'node:tls';
import { pino } from 'pino';
import { buildBootstrap, devCertificateFor } from '../../envoy/index.js';
import { type AuthzHarness, startAuthzHarness } from './authz-harness.js';
import { launchEnvoy, type RunningEnvoy } from './spawn-envoy.js';

/** What an upstream received. */
export interface Received {
  readonly upstream: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface RecordingUpstream {
  readonly name: string;
  readonly url: string;
  close(): Promise<void>;
}

/** An upstream answering 200 `{upstream, path}` (after 1 s on paths under /slow). */
export async function startRecordingUpstream(
  name: string,
  log: Received[],
): Promise<RecordingUpstream> {
  const server = createServer((req, res) => {
    log.push({
      upstream: name,
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
    });
    const body = JSON.stringify({ upstream: name, path: req.url });
    const send = () => {
      res.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-upstream': name,
      });
      res.end(body);
    };
    if ((req.url ?? '').startsWith('/slow')) setTimeout(send, 1000);
    else send();
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** One `authorize` line of authz's log (record-decision.ts). */
export interface Decision {
  readonly route_id: string;
  readonly path: string;
  readonly host: string;
  readonly status: number;
  readonly allow: boolean;
  readonly reasons: readonly string[];
}

export interface EdgeStack {
  readonly authz: AuthzHarness;
  readonly envoy: RunningEnvoy;
  /** The HTTPS listener's port. */
  readonly port: number;
  /** Every request the upstreams received, in order. */
  readonly received: Received[];
  /** Every decision authz logged, in order. */
  readonly decisions: Decision[];
  close(): Promise<void>;
}

/**
 * Starts upstreams named `names` (their URLs replace `{{name}}` in the routes YAML), authz with
 * that config, and Envoy on TLS in front.
 */
export async function startEdgeStack(
  names: readonly string[],
  routesYaml: string,
): Promise<EdgeStack> {
  const received: Received[] = [];
  const decisions: Decision[] = [];
  const upstreams = await Promise.all(names.map((n) => startRecordingUpstream(n, received)));
  const authn = await startRecordingUpstream('authn', received);
  let yaml = `address: 127.0.0.1:0\n${routesYaml}`;
  for (const u of upstreams) yaml = yaml.replaceAll(`{{${u.name}}}`, u.url);
  const logger = pino(
    { level: 'info' },
    {
      write(line: string) {
        const entry = JSON.parse(line) as Decision & { msg: string };
        if (entry.msg === 'authorize') decisions.push(entry);
      },
    },
  );
  const authz = await startAuthzHarness({ yaml, logger });
  const config = authz.loaded.config;
  const cert = devCertificateFor(config);
  const result = buildBootstrap(config, {
    authz: [{ host: '127.0.0.1', port: authz.port }],
    authn: { host: '127.0.0.1', port: Number(new URL(authn.url).port) },
    adminPort: 0,
    ...(cert ? { devCertificate: cert } : {}),
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  const envoy = await launchEnvoy(result.bootstrap);
  const port = (await envoy.ports())['https-ingress'];
  if (port === undefined) throw new Error('no https-ingress listener');
  return {
    authz,
    envoy,
    port,
    received,
    decisions,
    async close() {
      await envoy.stop();
      await authz.close().catch(() => undefined);
      await Promise.all([...upstreams, authn].map((u) => u.close()));
    },
  };
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

function dechunk(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = Number.parseInt(body.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(body.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/**
 * Writes `head` (request line and headers, CRLF-separated, without the blank line) as is over
 * one TLS connection (SNI `servername`, HTTP/1.1) and reads the answer until the connection ends.
 * Repeated response headers are joined with `, `.
 */
export function rawRequest(
  port: number,
  servername: string,
  head: string | Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: '127.0.0.1',
      port,
      servername,
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const chunks: Buffer[] = [];
    socket.on('secureConnect', () => {
      const text = Buffer.isBuffer(head) ? head : Buffer.from(head, 'latin1');
      socket.write(Buffer.concat([text, Buffer.from('\r\nconnection: close\r\n\r\n')]));
    });
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      if (split === -1) {
        resolve({ status: 0, headers: {}, body: all.toString('latin1') });
        return;
      }
      const lines = all.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(lines[0]!.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const c = line.indexOf(':');
        const k = line.slice(0, c).trim().toLowerCase();
        const v = line.slice(c + 1).trim();
        headers[k] = k in headers ? `${headers[k]}, ${v}` : v;
      }
      let body: Buffer = all.subarray(split + 4);
      if (headers['transfer-encoding']?.includes('chunked')) body = dechunk(body);
      resolve({ status, headers, body: body.toString('utf8') });
    });
  });
}

/** `GET target` with one Host header and extra header lines. */
export function get(
  stack: Pick<EdgeStack, 'port'>,
  host: string,
  target: string,
  extra: readonly string[] = [],
): Promise<RawResponse> {
  return rawRequest(
    stack.port,
    host.split(':')[0]!.toLowerCase(),
    [`GET ${target} HTTP/1.1`, `host: ${host}`, ...extra].join('\r\n'),
  );
}

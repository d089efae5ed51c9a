// The proxy service: the ADS server (on the process's gRPC server) publishes each config's Envoy
// snapshot, and — when an envoy binary is found — a supervised Envoy bootstrapped to read it.
// A reloaded config whose snapshot has issues is refused; Envoy keeps the last good one.
import { dirname } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../../config/index.js';
import {
  adminSettings,
  buildAdsBootstrap,
  buildInternalUpstreamTls,
  createXdsServer,
  devCertificateFor,
  type EnvoyBuildOptions,
  type EnvoyProcess,
  formatEnvoyIssues,
  type PreparedSnapshot,
  startEnvoy,
  type XdsServer,
} from '../../envoy/index.js';
import { PortcullisError } from '../../errors/index.js';
import { createEnvoyMetrics, routeNames } from './envoy-metrics.js';
import { ENVOY_INSTALL_HINT } from './find-envoy-binary.js';
import { formatHostPort, type HostPort } from './listen-address.js';
import type { ProcessHealth } from './process-health.js';
import type { ServiceUnit } from './service-unit.js';
import { markPhase } from './start-phases.js';
import { watchEnvoyAcceptance } from './watch-envoy-acceptance.js';
import { createXdsMetrics, type XdsMetrics } from './xds-metrics.js';

export const ENVOY_NODE_ID = 'portcullis';

/** The ADS metrics of each server addXdsServer made (read by startProxyService). */
const xdsMetrics = new WeakMap<XdsServer, XdsMetrics>();

/**
 * Step 1 (before the gRPC server binds): the ADS service on it. Over TLS every caller was
 * authenticated before the stream opens (authenticate-grpc-callers.ts), so peers anywhere may
 * connect; in plain text only peers on this machine.
 */
export function addXdsServer(server: grpc.Server, logger: Logger, tls = false): XdsServer {
  const metrics = createXdsMetrics();
  const xds = createXdsServer({
    logger: logger.child({ service: 'proxy', component: 'xds' }),
    callbacks: { onAck: (_n, t) => metrics.ack(t), onNack: (_n, t) => metrics.nack(t) },
    ...(tls ? { allowPeer: () => true } : {}),
  });
  xds.addTo(server);
  xdsMetrics.set(xds, metrics);
  return xds;
}

type Endpoints = Pick<EnvoyBuildOptions, 'authz' | 'authn'>;

/** The proxy's prepare phase: the snapshot for every node, built and checked, not published. */
export function prepareProxySnapshot(
  xds: XdsServer,
  loaded: LoadedConfig,
  endpoints: Endpoints,
  devCertificate: EnvoyBuildOptions['devCertificate'],
  internalTls?: EnvoyBuildOptions['internalTls'],
  autocert?: EnvoyBuildOptions['autocert'],
): PreparedSnapshot {
  // Every node: the supervised Envoy and any Envoy an operator points at this ADS server.
  const result = xds.prepareSnapshot('*', loaded, {
    ...endpoints,
    baseDir: dirname(loaded.file),
    ...(devCertificate ? { devCertificate } : {}),
    ...(internalTls ? { internalTls } : {}),
    ...(autocert ? { autocert } : {}),
  });
  if (!result.ok) {
    throw new PortcullisError(
      'CONFIG_INVALID',
      `the Envoy configuration for ${loaded.file} has problems:\n${formatEnvoyIssues(result.issues)}`,
    );
  }
  return result;
}

/** Step 2 (after it bound): publish the snapshot, then start Envoy if there is one. */
export async function startProxyService(opts: {
  readonly loaded: LoadedConfig;
  readonly logger: Logger;
  readonly xds: XdsServer;
  /** The bound ADS address. */
  readonly ads: HostPort;
  readonly endpoints: (loaded: LoadedConfig) => Endpoints;
  readonly envoyBin: string | null;
  /** Envoy's NACKs make the process not ready (condition `envoy`). */
  readonly health: ProcessHealth;
  /** How long start waits for Envoy to accept its first snapshot (default 20 s). */
  readonly acceptTimeoutMs?: number;
  /** The ADS server speaks TLS: the supervised Envoy connects with TLS and a client certificate. */
  readonly adsTls?: boolean;
  /** Inline PEMs for Envoy's TLS to our services (re-read at every reload). */
  readonly internalTls?: () => EnvoyBuildOptions['internalTls'];
  /** autocert: the certificates of a config's hosts, served over SDS (docs/acme.md). */
  readonly autocert?: (loaded: LoadedConfig) => EnvoyBuildOptions['autocert'];
}): Promise<ServiceUnit & { metrics(): Promise<string>; republish(): void }> {
  const logger = opts.logger.child({ service: 'proxy' });
  const c = opts.loaded.config;
  const devCertificate = devCertificateFor(c);
  if (devCertificate && !(c.autocert && opts.autocert)) {
    logger.warn(
      { code: 'insecure_setting' },
      'no certificate configured: Envoy serves a self-signed development certificate',
    );
  }
  const prepare = (loaded: LoadedConfig) =>
    prepareProxySnapshot(
      opts.xds,
      loaded,
      opts.endpoints(loaded),
      devCertificate,
      opts.internalTls?.(),
      opts.autocert?.(loaded),
    );
  const acceptance = watchEnvoyAcceptance(opts.xds, opts.health, logger);
  const publish = (loaded: LoadedConfig): string => {
    const prepared = prepare(loaded);
    acceptance.published(prepared.version);
    prepared.commit();
    xdsMetrics.get(opts.xds)?.published(prepared.version);
    return prepared.version;
  };
  let current = opts.loaded;
  const adsHost =
    opts.ads.host === '0.0.0.0' || opts.ads.host === '::' ? '127.0.0.1' : opts.ads.host;
  let envoy: EnvoyProcess | undefined;
  let version: string;
  if (opts.envoyBin) {
    envoy = startEnvoy({
      envoyBin: opts.envoyBin,
      bootstrap: buildAdsBootstrap({
        ads: { host: adsHost, port: opts.ads.port },
        nodeId: ENVOY_NODE_ID,
        adminPort: 0,
        ...(opts.adsTls
          ? {
              tls: buildInternalUpstreamTls(
                adsHost,
                c,
                {
                  baseDir: dirname(opts.loaded.file),
                  ...(opts.internalTls ? { internalTls: opts.internalTls() } : {}),
                },
                ['h2'],
              ),
            }
          : {}),
        admin: adminSettings(c),
      }),
      logger: logger.child({ component: 'envoy' }),
      accessLogger: opts.logger.child({ service: 'envoy' }),
      ...(c.proxy_log_level ? { logLevel: c.proxy_log_level } : {}),
    });
    markPhase('envoy_spawned');
    try {
      // Envoy starts first and waits on its ADS stream while the first snapshot is built and
      // checked (loading Envoy's protos is most of that): the two overlap (docs/performance.md).
      version = publish(opts.loaded);
      markPhase('snapshot_published');
      // Truthful readiness: Envoy is LIVE even when a listener failed to bind; ready means it
      // accepted this snapshot's clusters and listeners (a NACK stops the start).
      await Promise.all([
        envoy.ready(),
        acceptance.accepted(ENVOY_NODE_ID, version, opts.acceptTimeoutMs ?? 20_000),
      ]);
      markPhase('envoy_accepted');
    } catch (err) {
      acceptance.close();
      await envoy.stop();
      throw err;
    }
  } else {
    version = publish(opts.loaded);
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
    republish() {
      // A certificate changed (autocert): same config, new secrets. Only the SDS type's version
      // moves, so Envoy keeps its listeners and connections.
      try {
        const v = publish(current);
        logger.info({ version: v }, 'envoy snapshot published (certificates changed)');
      } catch (err) {
        logger.error(
          { err },
          'could not publish the renewed certificates; Envoy keeps the previous ones',
        );
      }
    },
    metrics: async () => `${xdsMetrics.get(opts.xds)?.render() ?? ''}${await envoyMetrics()}`,
    name: 'proxy',
    addresses: {
      ads: formatHostPort(opts.ads),
      ...(envoy ? { envoy: c.address, envoy_admin: envoy.adminUrl } : {}),
    },
    prepare(loaded) {
      const prepared = prepare(loaded);
      return {
        commit() {
          acceptance.published(prepared.version);
          prepared.commit();
          xdsMetrics.get(opts.xds)?.published(prepared.version);
          names = routeNames(loaded.config);
          current = loaded;
          logger.info({ version: prepared.version }, 'envoy snapshot published');
        },
      };
    },
    async close() {
      acceptance.close();
      await envoy?.stop();
      await opts.xds.close();
    },
  };
}

// Runs the services one config names in this process (reference: ../shared/DESIGN.md
// "Processes"): the databroker store, authenticate, authorize + the ADS server on grpc_address,
// and a supervised Envoy. Every unit takes each reloaded config; close() stops them in reverse.
import type { Logger } from 'pino';
import { type LoadedConfig, PortcullisError } from '../../config/index.js';
import { openRecordStore, type RecordStore, startSweeper } from '../../databroker/index.js';
import { endpointsFromConfig } from '../../envoy/index.js';
import { findEnvoyBinary } from './find-envoy-binary.js';
import { formatHostPort, parseListenAddress } from './listen-address.js';
import { planServices, type ServicePlan } from './plan-services.js';
import { type ProcessSecrets, prepareSecrets, withSecrets } from './prepare-secrets.js';
import type { ServiceUnit } from './service-unit.js';
import { type AuthnUnit, startAuthnService } from './start-authn-service.js';
import { type AuthzUnit, createAuthzUnit } from './start-authz-service.js';
import { bindGrpcServer, createGrpcServer } from './start-grpc-server.js';
import { startMetricsServer } from './start-metrics-server.js';
import { addXdsServer, startProxyService } from './start-proxy-service.js';

export interface StartOptions {
  readonly loaded: LoadedConfig;
  readonly logger: Logger;
  /** Postgres schema of the databroker tables (default `portcullis`). */
  readonly databrokerSchema?: string;
  /** Environment (ENVOY_BIN, PATH); default process.env. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface Portcullis {
  readonly plan: ServicePlan;
  /** Service name → its listen addresses. */
  readonly addresses: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Hands a new valid config to every service. */
  reload(loaded: LoadedConfig): Promise<void>;
  close(): Promise<void>;
}

/** Keys whose change needs a restart (listeners, the store, the service split). */
const RESTART_KEYS = [
  'services',
  'address',
  'grpc_address',
  'authenticate_internal_service_url',
  'databroker_storage_type',
  'databroker_storage_connection_string',
  'shared_secret',
] as const;

const isLoopback = (host: string): boolean =>
  host === 'localhost' || host === '::1' || host.startsWith('127.');

/** ENVOY_BIN, else PATH; an ENVOY_BIN that is not executable is said out loud. */
function envoyBinary(
  env: Readonly<Record<string, string | undefined>>,
  logger: Logger,
): string | null {
  const bin = findEnvoyBinary(env);
  if (bin === null && env.ENVOY_BIN) {
    logger.warn(
      { code: 'envoy_not_found', envoy_bin: env.ENVOY_BIN },
      'ENVOY_BIN is not an executable file',
    );
  }
  return bin;
}

const connectable = (host: string): string =>
  host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;

export async function startPortcullis(opts: StartOptions): Promise<Portcullis> {
  const { logger } = opts;
  const plan = planServices(opts.loaded);
  for (const w of opts.loaded.warnings) {
    logger.warn({ code: w.code, path: w.path, line: w.line }, w.message);
  }
  const secrets: ProcessSecrets = prepareSecrets(opts.loaded, logger);
  let current = withSecrets(opts.loaded, secrets);
  const units: ServiceUnit[] = [];
  let store: RecordStore | undefined;
  const closeAll = async (): Promise<void> => {
    for (const unit of units.splice(0).reverse()) {
      await unit
        .close()
        .catch((err: unknown) => logger.error({ err, service: unit.name }, 'close failed'));
    }
  };
  try {
    if (plan.authorize || plan.authenticate) {
      store = await openRecordStore(current.config, {
        ...(opts.databrokerSchema ? { schema: opts.databrokerSchema } : {}),
      });
      const opened = store;
      const sweeper = startSweeper(opened, {
        onError: (err) => logger.warn({ service: 'databroker', code: err.code }, 'sweep failed'),
      });
      units.push({
        name: 'databroker',
        addresses: { backend: opened.backend },
        update: () => undefined,
        close: async () => {
          await sweeper.stop();
          await opened.close();
        },
      });
    }
    if (plan.authenticate && store) {
      units.push(
        await startAuthnService({
          loaded: current,
          store,
          logger,
          ...(secrets.signingKeys ? { signingKeys: secrets.signingKeys } : {}),
        }),
      );
    }
    if (plan.authorize || plan.proxy) {
      const grpcAddress = parseListenAddress(current.config.grpc_address, 'grpc_address');
      if (current.config.grpc_insecure !== true && !isLoopback(grpcAddress.host)) {
        logger.warn(
          { code: 'insecure_setting', grpc_address: current.config.grpc_address },
          'gRPC (authorize, ADS) is served without TLS (not built yet): keep grpc_address on a private network and set grpc_insecure: true to say so',
        );
      }
      const server = createGrpcServer();
      if (plan.authorize && store) {
        units.push(
          createAuthzUnit({
            loaded: current,
            store,
            logger,
            server,
            grpcAddress: formatHostPort(grpcAddress),
            ...(secrets.signingKeys ? { signingKeys: secrets.signingKeys } : {}),
          }),
        );
      }
      const xds = plan.proxy ? addXdsServer(server, logger) : undefined;
      const grpcUnit = await bindGrpcServer(server, grpcAddress);
      units.push(grpcUnit);
      if (xds) {
        const authn = units.find((u): u is AuthnUnit => u.name === 'authenticate');
        const local = { host: connectable(grpcUnit.endpoint.host), port: grpcUnit.endpoint.port };
        const proxy = await startProxyService({
          loaded: current,
          logger,
          xds,
          ads: grpcUnit.endpoint,
          // In-process services are reached where they really listen; others where the config says.
          endpoints: (l) => {
            const fromConfig = endpointsFromConfig(l.config);
            return {
              authz: plan.authorize ? [local] : fromConfig.authz,
              authn: authn ? authn.endpoint : fromConfig.authn,
            };
          },
          envoyBin: envoyBinary(opts.env ?? process.env, logger),
        }).catch(async (err: unknown) => {
          await xds.close();
          throw err;
        });
        units.push(proxy);
      }
    }
    const metricSources = units.flatMap((u): (() => string | Promise<string>)[] =>
      'authz' in u
        ? [() => (u as AuthzUnit).authz.metrics()]
        : 'metrics' in u
          ? [(u as { metrics(): string | Promise<string> }).metrics]
          : [],
    );
    const metrics = await startMetricsServer(current, metricSources);
    if (metrics) units.push(metrics);
  } catch (err) {
    await closeAll();
    throw err;
  }

  const addresses = Object.fromEntries(units.map((u) => [u.name, u.addresses]));
  if (addresses.authorize && addresses.grpc) addresses.authorize = addresses.grpc;
  return {
    plan,
    addresses,
    async reload(next) {
      const loaded = withSecrets(next, secrets);
      const changed = RESTART_KEYS.filter(
        (k) => k !== 'shared_secret' && loaded.config[k] !== current.config[k],
      );
      if (next.config.shared_secret !== opts.loaded.config.shared_secret)
        changed.push('shared_secret');
      if (changed.length > 0) {
        logger.warn({ keys: changed }, 'these settings change only after a restart');
      }
      // In order (authz learns new routes before Envoy sends their ids); the first refusal stops
      // the rest, so Envoy never routes to what authz refused.
      for (const unit of units) {
        try {
          await unit.update(loaded);
        } catch (err) {
          logger.error(
            {
              code: err instanceof PortcullisError ? err.code : 'INTERNAL',
              service: unit.name,
              err: err instanceof PortcullisError ? undefined : err,
            },
            `config reload refused, the previous config keeps serving: ${(err as Error).message}`,
          );
          return;
        }
      }
      current = loaded;
      logger.info({ routes: loaded.config.routes.length }, 'config reloaded');
    },
    close: closeAll,
  };
}

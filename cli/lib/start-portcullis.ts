// Runs the services one config names in this process (docs/architecture.md "Processes"): the
// databroker store (waited for while unreachable), authenticate, authorize + the ADS server on
// grpc_address, and a supervised Envoy. A reload is two-phase (prepare-reload.ts): every unit
// prepares from the same config and all commit, or none. close() stops them in reverse.
import { dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../../config/index.js';
import { openRecordStore, type RecordStore, startSweeper } from '../../databroker/index.js';
import { endpointsFromConfig } from '../../envoy/index.js';
import { errorCodeOf, PortcullisError } from '../../errors/index.js';
import { findEnvoyBinary } from './find-envoy-binary.js';
import { formatHostPort, parseListenAddress } from './listen-address.js';
import { openStoreWithRetry } from './open-store-with-retry.js';
import { planServices, type ServicePlan } from './plan-services.js';
import { type GrpcSecurity, prepareGrpcSecurity } from './prepare-grpc-security.js';
import { describeRefusal, prepareAll, type Refusal } from './prepare-reload.js';
import { type ProcessSecrets, prepareSecrets, withSecrets } from './prepare-secrets.js';
import { createProcessHealth, type ProcessHealth } from './process-health.js';
import { NOTHING_TO_COMMIT, type ServiceUnit } from './service-unit.js';
import { type AuthnUnit, startAuthnService } from './start-authn-service.js';
import { type AuthzUnit, createAuthzUnit, selectCheckTransport } from './start-authz-service.js';
import { startAuthzWorkersUnit } from './start-authz-workers-unit.js';
import type { AutocertUnit } from './start-autocert-service.js';
import { startForwardAuthService } from './start-forward-auth-service.js';
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
  /** Aborts a start that is still waiting (for the databroker). */
  readonly signal?: AbortSignal;
  /**
   * Check servers when this process runs authorize and Envoy (authz-workers.ts): this process
   * and N−1 forked workers. Default: the cores Envoy does not use; 1 with the memory databroker.
   */
  readonly authzWorkers?: number;
  /** Workers re-read the config file with the same leniency. */
  readonly allowUnknownKeys?: boolean;
}

export interface Portcullis {
  readonly plan: ServicePlan;
  /** Service name → its listen addresses. */
  readonly addresses: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Readiness of the process (Envoy's acceptance, the databroker). */
  readonly health: ProcessHealth;
  /**
   * Hands a new valid config to every service: all prepare, then all commit; on a refusal none
   * commits and the refusal (service, positioned message) is logged and returned.
   */
  reload(loaded: LoadedConfig): Promise<Refusal | null>;
  close(): Promise<void>;
}

/** Keys whose change needs a restart (listeners, the store, the service split). */
const RESTART_KEYS = [
  'services',
  'address',
  'grpc_address',
  'grpc_insecure',
  'authenticate_internal_service_url',
  'forward_auth_address',
  'databroker_storage_type',
  'databroker_storage_connection_string',
  'shared_secret',
  'autocert',
] as const;

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
  const health = createProcessHealth();
  health.onChange((problem) => {
    for (const u of units) u.setHealth?.(problem);
  });
  health.onDegraded((note) => {
    for (const u of units) u.setDegraded?.(note);
  });
  // autocert (docs/acme.md) runs where Envoy is fed, and keeps its state in the databroker.
  const autocertOn = plan.proxy && current.config.autocert && !current.config.insecure_server;
  if (plan.proxy && current.config.autocert && current.config.insecure_server) {
    logger.warn({ code: 'ACME_HOST_UNSUPPORTED' }, 'autocert is ignored with insecure_server');
  }
  let store: RecordStore | undefined;
  let security: GrpcSecurity | undefined;
  const closeAll = async (): Promise<void> => {
    for (const unit of units.splice(0).reverse()) {
      await unit
        .close()
        .catch((err: unknown) => logger.error({ err, service: unit.name }, 'close failed'));
    }
  };
  try {
    if (plan.authorize || plan.authenticate || autocertOn) {
      const config = current.config;
      const file = current.file;
      store = await openStoreWithRetry(
        () =>
          openRecordStore(config, {
            baseDir: dirname(resolve(file)),
            ...(opts.databrokerSchema ? { schema: opts.databrokerSchema } : {}),
          }),
        { logger, health, ...(opts.signal ? { signal: opts.signal } : {}) },
      );
      const opened = store;
      const sweeper = startSweeper(opened, {
        onError: (err) => logger.warn({ service: 'databroker', code: err.code }, 'sweep failed'),
      });
      units.push({
        name: 'databroker',
        addresses: { backend: opened.backend },
        prepare: () => NOTHING_TO_COMMIT,
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
      security = prepareGrpcSecurity({
        loaded: current,
        logger,
        servesGrpc: true,
        runsEnvoy: plan.proxy,
        servesAuthorize: plan.authorize,
      });
      const grpcSecurity = security;
      const server = createGrpcServer(grpcSecurity.interceptors);
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
      const xds = plan.proxy ? addXdsServer(server, logger, grpcSecurity.tls) : undefined;
      const grpcUnit = await bindGrpcServer(server, grpcAddress, grpcSecurity.credentials);
      units.push(grpcUnit);
      const authzOnGrpc = units.find((u): u is AuthzUnit => u.name === 'authorize');
      if (authzOnGrpc) {
        selectCheckTransport(authzOnGrpc, server, grpcSecurity.checkStreamAuth, opts.env, logger);
      }
      const workers =
        xds && authzOnGrpc && store
          ? await startAuthzWorkersUnit(opts, store, secrets, grpcSecurity, grpcUnit.endpoint.host)
          : undefined;
      if (workers) units.push(workers.unit);
      let autocertUnit: AutocertUnit | undefined;
      let republish = (): void => undefined;
      if (xds && autocertOn && store) {
        // acme/ is loaded only when autocert runs (docs/performance.md "The cold path").
        const { startAutocertService } = await import('./start-autocert-service.js');
        autocertUnit = await startAutocertService({
          loaded: current,
          store,
          logger,
          health,
          republish: () => republish(),
        });
        units.push(autocertUnit);
      }
      if (xds) {
        const authn = units.find((u): u is AuthnUnit => u.name === 'authenticate');
        const local = { host: connectable(grpcUnit.endpoint.host), port: grpcUnit.endpoint.port };
        const workerPorts = workers?.ports ?? [];
        grpcSecurity.assertEnvoyCanVerify(local.host);
        const proxy = await startProxyService({
          loaded: current,
          logger,
          xds,
          ads: grpcUnit.endpoint,
          // In-process services are reached where they really listen; others where the config says.
          endpoints: (l) => {
            const fromConfig = endpointsFromConfig(l.config);
            return {
              authz: plan.authorize
                ? [local.port, ...workerPorts].map((port) => ({
                    host: local.host,
                    port,
                    ...(grpcSecurity.tls ? { tls: true } : {}),
                  }))
                : fromConfig.authz,
              authn: authn ? authn.endpoint : fromConfig.authn,
            };
          },
          envoyBin: envoyBinary(opts.env ?? process.env, logger),
          health,
          adsTls: grpcSecurity.tls,
          internalTls: () => grpcSecurity.envoyTls(),
          ...(autocertUnit
            ? {
                autocert: (l: LoadedConfig) => ({
                  certificates: autocertUnit!.autocert.certificates(l.config),
                }),
              }
            : {}),
        }).catch(async (err: unknown) => {
          await xds.close();
          throw err;
        });
        units.push(proxy);
        republish = () => proxy.republish();
        // Orders start once Envoy serves the HTTP-01 path.
        autocertUnit?.autocert.start();
      }
    }
    const authzUnit = units.find((u): u is AuthzUnit => u.name === 'authorize');
    if (authzUnit) {
      const fwd = await startForwardAuthService({
        loaded: current,
        authz: authzUnit.authz,
        logger,
      });
      if (fwd) units.push(fwd);
    }
    const metricSources: (() => string | Promise<string>)[] = [
      () => health.metrics(),
      ...units.flatMap((u): (() => string | Promise<string>)[] =>
        'authz' in u
          ? [() => (u as AuthzUnit).authz.metrics()]
          : 'metrics' in u
            ? [(u as { metrics(): string | Promise<string> }).metrics]
            : [],
      ),
    ];
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
    health,
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
      // Rotated certificates first (they are files, not config: a refused config does not hold
      // them back); new connections get them, open streams stay, the next snapshot carries them.
      try {
        security?.reload(loaded);
      } catch (err) {
        logger.error(
          { code: errorCodeOf(err) },
          `gRPC certificates not reloaded, the previous ones keep serving: ${(err as Error).message}`,
        );
      }
      // Two phases: nothing changes unless every service can take the new config. Commit order
      // is the unit order (authz learns new routes before Envoy sends their ids).
      const prepared = prepareAll(loaded, units);
      if (!prepared.ok) {
        const r = prepared.refusal;
        logger.error(
          {
            code: r.code,
            service: r.service,
            err: r.cause instanceof PortcullisError ? undefined : r.cause,
          },
          `config reload ${describeRefusal(r)}\nevery service keeps the previous config`,
        );
        return r;
      }
      prepared.commit();
      current = loaded;
      logger.info({ routes: loaded.config.routes.length }, 'config reloaded');
      return null;
    },
    close: closeAll,
  };
}

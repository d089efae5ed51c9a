// The extra authz workers of a start (authz-workers.ts; docs/performance.md "Authz workers"): when
// this process runs authorize and Envoy on the Postgres databroker, N−1 forked Check servers on
// ports of their own, as one service unit (reloads passed on, closed with the rest).
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { LoadedConfig } from '../../config/index.js';
import type { RecordStore } from '../../databroker/index.js';
import { defaultAuthzWorkers, startAuthzWorkers } from './authz-workers.js';
import { formatHostPort } from './listen-address.js';
import type { GrpcSecurity } from './prepare-grpc-security.js';
import type { ProcessSecrets } from './prepare-secrets.js';
import type { ServiceUnit } from './service-unit.js';

/** What of the start's options the workers need (start-portcullis.ts StartOptions). */
export interface WorkersOptions {
  readonly loaded: LoadedConfig;
  readonly logger: Logger;
  readonly databrokerSchema?: string;
  readonly authzWorkers?: number;
  readonly allowUnknownKeys?: boolean;
}

export interface AuthzWorkersUnit {
  readonly unit: ServiceUnit;
  /** The workers' Check ports on the host of grpc_address. */
  readonly ports: readonly number[];
}

/** The extra authz workers of this start (undefined: this process is the only Check server). */
export async function startAuthzWorkersUnit(
  opts: WorkersOptions,
  store: RecordStore,
  secrets: ProcessSecrets,
  security: GrpcSecurity,
  host: string,
): Promise<AuthzWorkersUnit | undefined> {
  const wanted = opts.authzWorkers ?? defaultAuthzWorkers(1);
  if (wanted <= 1) return undefined;
  if (store.backend === 'memory') {
    opts.logger.warn(
      { service: 'authorize', authz_workers: wanted },
      'authz workers need the Postgres databroker (the memory one lives in this process): one Check server',
    );
    return undefined;
  }
  const workers = await startAuthzWorkers(
    wanted - 1,
    {
      configFile: resolve(opts.loaded.file),
      allowUnknownKeys: opts.allowUnknownKeys === true,
      ...(opts.databrokerSchema ? { databrokerSchema: opts.databrokerSchema } : {}),
      ...(secrets.sharedSecret ? { sharedSecret: secrets.sharedSecret } : {}),
      ...(secrets.signingKeyPem ? { signingKeyPem: secrets.signingKeyPem } : {}),
      ...(security.ownClientCa ? { extraClientCa: security.ownClientCa } : {}),
      host,
    },
    opts.logger,
  );
  opts.logger.info(
    { service: 'authorize', authz_workers: wanted, ports: workers.ports },
    'authz workers started',
  );
  return {
    ports: workers.ports,
    unit: {
      name: 'authz-workers',
      addresses: Object.fromEntries(
        workers.ports.map((p, i) => [`worker${i + 1}`, formatHostPort({ host, port: p })]),
      ),
      prepare: () => ({ commit: () => workers.reload() }),
      close: () => workers.close(),
    },
  };
}

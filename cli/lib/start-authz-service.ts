// The authorize service: authz's ext_authz + health services, added to the process's gRPC
// server (shared with the ADS server in all-in-one mode).
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { type AuthenticateStream, type AuthzServer, createAuthzServer } from '../../authz/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { RecordStore } from '../../databroker/index.js';
import type { SigningKey } from '../../wire/index.js';
import type { ServiceUnit } from './service-unit.js';

export interface AuthzUnit extends ServiceUnit {
  readonly authz: AuthzServer;
}

export function createAuthzUnit(opts: {
  readonly loaded: LoadedConfig;
  readonly store: RecordStore;
  readonly logger: Logger;
  readonly server: grpc.Server;
  readonly grpcAddress: string;
  readonly signingKeys?: readonly SigningKey[];
}): AuthzUnit {
  const authz = createAuthzServer({
    loaded: opts.loaded,
    store: opts.store,
    logger: opts.logger.child({ service: 'authorize' }),
    ...(opts.signingKeys ? { signingKeys: opts.signingKeys } : {}),
  });
  authz.addTo(opts.server);
  return {
    name: 'authorize',
    authz,
    addresses: { grpc: opts.grpcAddress },
    prepare: (loaded) => authz.prepare(loaded),
    setHealth: (problem) => authz.setServing(problem === null),
    close: () => authz.close(),
  };
}

/**
 * Serves Check on the lean node:http2 transport (docs/performance.md "Lean Check transport"),
 * ADS and health staying on grpc-js, unless PORTCULLIS_CHECK_TRANSPORT=grpc-js; logs which one.
 */
export function selectCheckTransport(
  unit: AuthzUnit,
  server: grpc.Server,
  authenticate: AuthenticateStream | undefined,
  env: Readonly<Record<string, string | undefined>> | undefined,
  logger: Logger,
): void {
  const wanted = (env ?? process.env).PORTCULLIS_CHECK_TRANSPORT ?? 'lean';
  const routed = wanted === 'grpc-js' ? 0 : unit.authz.routeChecks(server, authenticate);
  logger.info(
    { service: 'authorize', check_transport: routed > 0 ? 'lean' : 'grpc-js' },
    'Check transport',
  );
}

// One extra authz worker of `portcullis start --authz-workers N` (authz-workers.ts forks the
// command with cli-entry.ts's AUTHZ_WORKER_ARG, and cli/main.ts calls runAuthzWorker): the
// authorize service alone, on its own port of grpc_address's host, with the same TLS credentials
// and caller authentication as grpc_address, its own record cache fed by the Postgres change feed
// (a revocation reaches every worker the way it reaches the main process), Check on the lean
// transport. It gets its settings from the parent over IPC, re-reads the config file on
// `reload`, and exits when the parent goes away.
import { dirname, resolve } from 'node:path';
import type * as grpc from '@grpc/grpc-js';
import { type AuthzServer, createAuthzServer } from '../../authz/index.js';
import { type LoadedConfig, loadConfigFile } from '../../config/index.js';
import { openRecordStore, type RecordStore } from '../../databroker/index.js';
import { errorCodeOf } from '../../errors/index.js';
import { loadSigningKeys } from '../../wire/index.js';
import { createLogger } from './create-logger.js';
import { applyHeapGrowing } from './heap-growing.js';
import { formatHostPort } from './listen-address.js';
import { prepareGrpcSecurity } from './prepare-grpc-security.js';
import { type ProcessSecrets, withSecrets } from './prepare-secrets.js';
import { bindGrpcServer, createGrpcServer } from './start-grpc-server.js';

/** The parent's first message. */
export interface AuthzWorkerInit {
  readonly type: 'init';
  readonly index: number;
  readonly configFile: string;
  readonly allowUnknownKeys: boolean;
  readonly databrokerSchema?: string;
  /** The parent's generated shared_secret / signing key (config without them). */
  readonly sharedSecret?: string;
  readonly signingKeyPem?: string;
  /** The CA of the parent's supervised-Envoy client certificate (trusted like grpc_client_ca). */
  readonly extraClientCa?: string;
  readonly host: string;
  /** 0 for any; a replaced worker takes its predecessor's port (Envoy's endpoints stay). */
  readonly port: number;
}

export type AuthzWorkerMessage =
  | { readonly type: 'ready'; readonly port: number }
  | { readonly type: 'failed'; readonly message: string };

async function run(init: AuthzWorkerInit): Promise<void> {
  const send = (m: AuthzWorkerMessage) => process.send?.(m);
  const secrets: ProcessSecrets = {
    ...(init.sharedSecret ? { sharedSecret: init.sharedSecret } : {}),
    ...(init.signingKeyPem ? { signingKeys: loadSigningKeys(init.signingKeyPem) } : {}),
  };
  const load = async (): Promise<LoadedConfig> =>
    withSecrets(
      await loadConfigFile(init.configFile, { allowUnknownKeys: init.allowUnknownKeys }),
      secrets,
    );
  let loaded = await load();
  const logger = createLogger({ level: loaded.config.log_level, pretty: false }).child({
    service: 'authorize',
    worker: init.index,
  });
  let store: RecordStore | undefined;
  let authz: AuthzServer | undefined;
  let server: grpc.Server | undefined;
  try {
    store = await openRecordStore(loaded.config, {
      baseDir: dirname(resolve(init.configFile)),
      ...(init.databrokerSchema ? { schema: init.databrokerSchema } : {}),
    });
    const security = prepareGrpcSecurity({
      loaded,
      logger,
      servesGrpc: true,
      runsEnvoy: false,
      servesAuthorize: true,
      ...(init.extraClientCa ? { extraClientCas: [init.extraClientCa] } : {}),
    });
    authz = createAuthzServer({
      loaded,
      store,
      logger,
      ...(secrets.signingKeys ? { signingKeys: secrets.signingKeys } : {}),
    });
    server = createGrpcServer(security.interceptors);
    authz.addTo(server);
    const unit = await bindGrpcServer(
      server,
      { host: init.host, port: init.port },
      security.credentials,
    );
    if (authz.routeChecks(server, security.checkStreamAuth) === 0) {
      logger.warn('the lean Check transport is not available: grpc-js serves Check');
    }
    logger.info({ grpc: formatHostPort(unit.endpoint), pid: process.pid }, 'authz worker ready');
    applyHeapGrowing(); // its warning, if any, is the parent's (same environment)
    logger.flush();
    send({ type: 'ready', port: unit.endpoint.port });
    const a = authz;
    process.on('message', (m: { type?: string }) => {
      if (m?.type === 'reload') {
        load().then(
          (next) => {
            try {
              a.update(next);
              loaded = next;
            } catch {
              // update() logged the refusal; the previous config keeps serving.
            }
          },
          (err: unknown) =>
            logger.error({ code: errorCodeOf(err) }, 'authz worker: config reload refused'),
        );
      } else if (m?.type === 'stop') {
        void stop(0);
      }
    });
    const stop = async (code: number): Promise<void> => {
      await unit.close().catch(() => undefined);
      await a.close().catch(() => undefined);
      await store?.close().catch(() => undefined);
      logger.flush();
      process.exit(code);
    };
    // The parent went away (crash or kill -9): nobody routes Checks here any more.
    process.on('disconnect', () => void stop(0));
    process.on('SIGTERM', () => void stop(0));
    process.on('SIGINT', () => undefined);
  } catch (err) {
    send({ type: 'failed', message: (err as Error).message });
    await authz?.close().catch(() => undefined);
    await store?.close().catch(() => undefined);
    logger.flush();
    process.exit(1);
  }
}

/** Waits for the parent's init message, then serves (cli/main.ts calls it in a forked worker). */
export function runAuthzWorker(): void {
  process.once('message', (m: AuthzWorkerInit) => {
    if (m?.type !== 'init') process.exit(2);
    run(m).catch((err: unknown) => {
      process.send?.({ type: 'failed', message: (err as Error).message });
      process.exit(1);
    });
  });
}

// The ext_authz Check server with the policy compiler injected (create-authz-server.ts passes
// the engine's compileRoutePolicies; tests may pass a stand-in). Owns the swappable state, the
// caches, the fail-closed wrapper (exceptions and an internal deadline → 503), the `authorize`
// log line per decision, metrics, and the gRPC Authorization + Health services.
import * as grpc from '@grpc/grpc-js';
import { type Logger, pino } from 'pino';
import { ConfigError, isLoopbackHost, type LoadedConfig } from '../config/index.js';
import { openRecordCache, type RecordCache, type RecordStore } from '../databroker/index.js';
import { PortcullisError } from '../errors/index.js';
import { generateSigningKeyPem, loadSigningKeys, type SigningKey } from '../wire/index.js';
import type { CheckDeps } from './check.js';
import { checkErrorCode, createDecisionCore } from './decide.js';
import { createDeadlineWatch } from './grpc/deadline-watch.js';
import type { DecisionSummary } from './grpc/decision-metadata.js';
import { decodeCheckRequest } from './grpc/decode-check-request.js';
import { createHealthService, serviceDefinitions } from './grpc/grpc-services.js';
import { applyHttp2ServerLimits } from './grpc/http2-server-limits.js';
import { type AuthenticateStream, createCheckStreamHandler } from './grpc/lean-check.js';
import { routeCheckStreams } from './grpc/route-check-streams.js';
import { createCheckHandler } from './grpc/serve-check.js';
import { type CheckResponseWire, createResponseEncoder } from './grpc/write-check-response.js';
import { createAuthzMetrics } from './lib/authz-metrics.js';
import { type AuthzState, buildAuthzState, type CompilePolicies } from './lib/authz-state.js';
import type { AuthzRequest, AuthzResponse } from './lib/authz-types.js';
import { renderDatabrokerMetrics } from './lib/databroker-metrics.js';
import { createExtProcHandler, extProcServiceDefinition } from './mcp/ext-proc-service.js';
import { createCertificateJudge } from './mtls/judge-client-certificate.js';
import { leafCertificateCache } from './policy/lib/parse-leaf-certificate.js';
import { reasonListCache } from './policy/lib/reasons.js';
import { createIdentityHeaderCache } from './respond/build-allow-response.js';
import { createBearerAuthenticator } from './session/bearer/authenticate-bearer.js';
import { createGroupIndex } from './session/group-index.js';
import { createIdentityResolver } from './session/resolve-identity.js';
import { createAssertionSigner } from './session/sign-assertion.js';
import { createTokenVerifier } from './session/verify-session-token.js';

export interface AuthzServerOptions {
  readonly loaded: LoadedConfig;
  readonly store: RecordStore;
  readonly logger?: Logger;
  /** Share one key set with authn (all-in-one mode without signing_key). */
  readonly signingKeys?: readonly SigningKey[];
  /** Clock, epoch ms. */
  readonly now?: () => number;
  /**
   * How listen() serves Check: `lean` (default) on node:http2 streams (grpc/lean-check.ts), or
   * `grpc-js` (docs/performance.md "Lean Check transport").
   */
  readonly checkTransport?: CheckTransport;
}

export type CheckTransport = 'lean' | 'grpc-js';

export interface AuthzServer {
  /** Adds envoy.service.auth.v3.Authorization and grpc.health.v1.Health to a server. */
  addTo(server: grpc.Server): void;
  /** Serves on its own gRPC server (insecure); resolves to the bound port. */
  listen(port: number, host?: string): Promise<number>;
  /**
   * After addTo() and bindAsync(): the server's Check streams go to the lean transport
   * (grpc/lean-check.ts), with `authenticate` as caller authentication when the server has any.
   * Returns how many HTTP/2 servers were rerouted (0: grpc-js keeps serving Check).
   */
  routeChecks(target: grpc.Server, authenticate?: AuthenticateStream): number;
  /**
   * One decision on an already-read request (the forward-auth front door, forward-auth/): the
   * same pipeline, fail-closed wrapper, `authorize` log line and metrics as a Check.
   */
  decide(
    req: AuthzRequest,
    timeoutMs?: number,
    /** The caller's W3C trace context (`traceparent`): the Check span becomes its child. */
    trace?: Readonly<Record<string, string | undefined>>,
  ): Promise<{ response: AuthzResponse; summary: DecisionSummary }>;
  /** Swaps in a new config (built completely first; on error the old one keeps serving). */
  update(loaded: LoadedConfig): void;
  /**
   * Phase one of a reload: builds the new state (throws when the config cannot be served);
   * commit() swaps it in. Nothing changes until commit.
   */
  prepare(loaded: LoadedConfig): { commit(): void };
  /** The gRPC health status (NOT_SERVING while the process is not ready, e.g. Envoy NACKed). */
  setServing(serving: boolean): void;
  /** Prometheus text. */
  metrics(): string;
  close(): Promise<void>;
}

export interface BuildAuthzServerOptions extends AuthzServerOptions {
  readonly compile: CompilePolicies;
}

const REDACT = {
  paths: [
    'headers.cookie',
    'headers.authorization',
    'headers["x-pomerium-authorization"]',
    'token',
    'jwt',
  ],
  censor: '[redacted]',
};

export function buildAuthzServer(options: BuildAuthzServerOptions): AuthzServer {
  // Only what is needed later is kept: holding `options.loaded` would keep its YAML document
  // (hundreds of MB for 10,000 routes) alive after a reload.
  const { compile, store, signingKeys } = options;
  const now = options.now ?? Date.now;
  const logger = (options.logger ?? pino({ level: 'silent' })).child(
    { component: 'authz' },
    { redact: REDACT },
  );
  let generated: readonly SigningKey[] | null = null;
  const fallbackSigningKeys = (): readonly SigningKey[] => {
    if (signingKeys) return signingKeys;
    if (generated === null) {
      logger.warn(
        { code: 'insecure_setting' },
        'signing_key is not set: a temporary P-256 key was generated for this process',
      );
      generated = loadSigningKeys(generateSigningKeyPem());
    }
    return generated;
  };
  let generation = 1;
  let state: AuthzState = buildAuthzState(options.loaded, {
    compile,
    fallbackSigningKeys,
    generation,
  });

  const feedErrors = new Map<string, number>();
  let cachePromise: Promise<RecordCache> | null = null;
  let openCache: RecordCache | null = null;
  const cache = (): Promise<RecordCache> => {
    cachePromise ??= openRecordCache(store, {
      now,
      onFeedError: (e) => {
        feedErrors.set(e.code, (feedErrors.get(e.code) ?? 0) + 1);
        logger.warn({ code: e.code }, 'databroker change feed failing');
      },
    }).then(
      (c) => {
        openCache = c;
        return c;
      },
      (err) => {
        cachePromise = null;
        throw new PortcullisError('STORE_UNAVAILABLE', 'cannot open the databroker cache', {
          cause: err,
        });
      },
    );
    return cachePromise;
  };
  const groups = createGroupIndex(store);
  const deps: CheckDeps = {
    cache,
    cacheNow: () => openCache,
    identities: createIdentityResolver(groups),
    identityHeaders: createIdentityHeaderCache(),
    verifier: createTokenVerifier(),
    signer: createAssertionSigner(),
    certs: createCertificateJudge(),
    bearer: createBearerAuthenticator({ store, now }),
    store,
  };
  cache().catch(() => undefined);
  groups.groupsFor('', []).catch(() => undefined);
  const metrics = createAuthzMetrics();
  const deadlines = createDeadlineWatch();
  const health = createHealthService(grpc.status);
  const decide = createDecisionCore({
    state: () => state,
    deps,
    now,
    logger,
    metrics,
    deadlines,
  });
  const check = createCheckHandler(decide);
  const checkMethod = serviceDefinitions().authorization.Check;
  let leanServed = 0;
  const leanOptions = {
    decide,
    deserialize: decodeCheckRequest,
    encode: createResponseEncoder((wire) => checkMethod.responseSerialize(wire)),
    serialize: (wire: CheckResponseWire) => checkMethod.responseSerialize(wire),
    onServed: () => {
      leanServed++;
    },
  };

  let own: grpc.Server | null = null;
  const server: AuthzServer = {
    addTo(target) {
      const defs = serviceDefinitions();
      target.addService(defs.authorization, { check } as grpc.UntypedServiceImplementation);
      target.addService(defs.health, health.implementation);
      // MCP server routes' tools/list filter (docs/mcp.md), on the same server as Check
      target.addService(extProcServiceDefinition(), {
        process: createExtProcHandler({ state: () => state, now, logger }),
      } as grpc.UntypedServiceImplementation);
    },
    async listen(port, host = '127.0.0.1') {
      // A plain-text server of its own (tests, benches): loopback only (config/grpc-transport.ts);
      // `portcullis start` binds with TLS and caller authentication instead.
      if (!isLoopbackHost(host)) {
        throw new TypeError(`authz listen(): plain-text gRPC only on loopback, not ${host}`);
      }
      own = applyHttp2ServerLimits(new grpc.Server());
      server.addTo(own);
      const srv = own;
      const bound = await new Promise<number>((resolve, reject) => {
        srv.bindAsync(
          `${host.includes(':') ? `[${host}]` : host}:${port}`,
          grpc.ServerCredentials.createInsecure(),
          (err, p) => (err ? reject(err) : resolve(p)),
        );
      });
      if ((options.checkTransport ?? 'lean') === 'lean') server.routeChecks(srv);
      return bound;
    },
    routeChecks(target, authenticate) {
      return routeCheckStreams(
        target,
        createCheckStreamHandler(
          authenticate === undefined ? leanOptions : { ...leanOptions, authenticate },
        ),
      );
    },
    decide(req, timeoutMs = Infinity, trace) {
      return new Promise((resolve) =>
        decide(
          () => req,
          () => timeoutMs,
          (response, summary) => resolve({ response, summary }),
          trace === undefined ? undefined : () => ({ ...trace }),
        ),
      );
    },
    update(loaded) {
      server.prepare(loaded).commit();
    },
    prepare(loaded) {
      let next: AuthzState;
      try {
        next = buildAuthzState(loaded, {
          compile,
          fallbackSigningKeys,
          generation: generation + 1,
        });
      } catch (err) {
        metrics.reload(false);
        logger.error(
          {
            code: checkErrorCode(err),
            issues: err instanceof ConfigError ? err.issues.length : undefined,
          },
          'authz config reload refused; the previous config keeps serving',
        );
        throw err;
      }
      return {
        commit() {
          generation = next.generation;
          state = next;
          metrics.reload(true);
          logger.info({ generation, routes: next.routes.size }, 'authz config reloaded');
        },
      };
    },
    setServing(serving) {
      health.setStatus(serving ? 'SERVING' : 'NOT_SERVING');
    },
    metrics() {
      const records = openCache?.metrics();
      const text = metrics.render(
        [
          deps.verifier.cache,
          deps.signer.cache,
          ...deps.bearer.caches,
          deps.certs.cache,
          leafCertificateCache,
          reasonListCache,
          {
            name: 'records',
            hits: records?.hits ?? 0,
            misses: records?.misses ?? 0,
            evictions: records?.evictions ?? 0,
            size: records?.size ?? 0,
          },
        ],
        {
          portcullis_authz_config_generation: generation,
          portcullis_authz_routes: state.routes.size,
          portcullis_authz_lean_checks_total: leanServed,
        },
      );
      return `${text}${renderDatabrokerMetrics(records, feedErrors)}`;
    },
    async close() {
      health.setStatus('NOT_SERVING');
      deadlines.close();
      if (own) {
        const srv = own;
        own = null;
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => {
            srv.forceShutdown();
            resolve();
          }, 2000);
          srv.tryShutdown(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      await groups.close().catch(() => undefined);
      const c = await cachePromise?.catch(() => null);
      await c?.close().catch(() => undefined);
    },
  };
  return server;
}

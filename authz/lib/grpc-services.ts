// The gRPC service definitions Portcullis serves, loaded once through protos/ (Envoy's
// ext_authz v3 and grpc.health.v1), and a Health implementation backed by a status map.
import type * as grpc from '@grpc/grpc-js';
import { loadGrpcObject, serviceProtoFiles } from '../../protos/index.js';

// biome-ignore lint/suspicious/noExplicitAny: the loaded proto tree is untyped
type Tree = any;

let loaded: { authorization: grpc.ServiceDefinition; health: grpc.ServiceDefinition } | null = null;

export const AUTHORIZATION_SERVICE = 'envoy.service.auth.v3.Authorization';

/** The Authorization and Health service definitions. */
export function serviceDefinitions(): {
  authorization: grpc.ServiceDefinition;
  health: grpc.ServiceDefinition;
} {
  if (loaded === null) {
    const root = loadGrpcObject([
      serviceProtoFiles.extAuthz,
      serviceProtoFiles.health,
    ]) as unknown as Tree;
    const authorization = root.envoy?.service?.auth?.v3?.Authorization?.service;
    const health = root.grpc?.health?.v1?.Health?.service;
    if (!authorization || !health)
      throw new Error('protos: Authorization or Health service missing');
    // Check answers may arrive already serialized (write-check-response.ts caches OK answers).
    const check = authorization.Check as grpc.MethodDefinition<unknown, unknown>;
    const serialize = check.responseSerialize;
    loaded = {
      authorization: {
        ...authorization,
        Check: {
          ...check,
          responseSerialize: (value: unknown) =>
            Buffer.isBuffer(value) ? value : serialize(value),
        },
      },
      health,
    };
  }
  return loaded;
}

export type ServingStatus = 'SERVING' | 'NOT_SERVING';

export interface HealthService {
  readonly implementation: grpc.UntypedServiceImplementation;
  setStatus(status: ServingStatus): void;
}

/** grpc.health.v1.Health for '' and the Authorization service (Check and Watch). */
export function createHealthService(grpcStatus: typeof grpc.status): HealthService {
  let status: ServingStatus = 'SERVING';
  const watchers = new Set<grpc.ServerWritableStream<{ service?: string }, { status: string }>>();
  const known = (service: string | undefined) => !service || service === AUTHORIZATION_SERVICE;
  return {
    implementation: {
      check(
        call: grpc.ServerUnaryCall<{ service?: string }, unknown>,
        cb: grpc.sendUnaryData<unknown>,
      ) {
        if (!known(call.request.service)) {
          cb({ code: grpcStatus.NOT_FOUND, details: 'unknown service' } as grpc.ServiceError);
          return;
        }
        cb(null, { status });
      },
      watch(call: grpc.ServerWritableStream<{ service?: string }, { status: string }>) {
        call.write({ status: known(call.request.service) ? status : 'SERVICE_UNKNOWN' });
        watchers.add(call);
        call.on('cancelled', () => watchers.delete(call));
        call.on('close', () => watchers.delete(call));
      },
    },
    setStatus(next) {
      status = next;
      for (const w of watchers) if (known(w.request.service)) w.write({ status });
    },
  };
}

// The gRPC service definitions Portcullis serves, loaded once through protos/ (Envoy's
// ext_authz v3 and grpc.health.v1), and a Health implementation backed by a status map.
import type * as grpc from '@grpc/grpc-js';
import { loadGrpcObject, serviceProtoFiles } from '../../protos/index.js';

/** The service definition at a dotted path of a loaded proto tree (`undefined` when absent). */
function serviceAt(root: grpc.GrpcObject, path: string): grpc.ServiceDefinition | undefined {
  let node: unknown = root;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' && typeof node !== 'function') return undefined;
    node = (node as Record<string, unknown> | null)?.[part];
  }
  const service = (node as { service?: unknown } | undefined)?.service;
  return typeof service === 'object' && service !== null
    ? (service as grpc.ServiceDefinition)
    : undefined;
}

let loaded: { authorization: grpc.ServiceDefinition; health: grpc.ServiceDefinition } | null = null;

export const AUTHORIZATION_SERVICE = 'envoy.service.auth.v3.Authorization';

/** The Authorization and Health service definitions. */
export function serviceDefinitions(): {
  authorization: grpc.ServiceDefinition;
  health: grpc.ServiceDefinition;
} {
  if (loaded === null) {
    const root = loadGrpcObject([serviceProtoFiles.extAuthz, serviceProtoFiles.health]);
    const authorization = serviceAt(root, AUTHORIZATION_SERVICE);
    const health = serviceAt(root, 'grpc.health.v1.Health');
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

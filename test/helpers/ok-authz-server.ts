// A test double standing in for authz ONLY in the envoy routing tests: an ext_authz gRPC server
// that answers OK to every Check and records what Envoy sent (context_extensions, path, host).
// The real authz is tested by its own suite and end to end.
import * as grpc from '@grpc/grpc-js';
import { loadGrpcObject, serviceProtoFiles } from '../../protos/index.js';

export interface SeenCheck {
  readonly host: string;
  readonly path: string;
  readonly contextExtensions: Record<string, string>;
  readonly headers: Record<string, string>;
}

export interface OkAuthzServer {
  readonly port: number;
  readonly seen: SeenCheck[];
  close(): Promise<void>;
}

interface CheckRequest {
  attributes?: {
    context_extensions?: Record<string, string>;
    request?: { http?: { host?: string; path?: string; headers?: Record<string, string> } };
  };
}

export async function startOkAuthzServer(): Promise<OkAuthzServer> {
  const root = loadGrpcObject([serviceProtoFiles.extAuthz]) as unknown as {
    envoy: { service: { auth: { v3: { Authorization: { service: grpc.ServiceDefinition } } } } };
  };
  const seen: SeenCheck[] = [];
  const server = new grpc.Server();
  server.addService(root.envoy.service.auth.v3.Authorization.service, {
    Check(
      call: grpc.ServerUnaryCall<CheckRequest, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) {
      const http = call.request.attributes?.request?.http ?? {};
      seen.push({
        host: http.host ?? '',
        path: http.path ?? '',
        contextExtensions: { ...(call.request.attributes?.context_extensions ?? {}) },
        headers: { ...(http.headers ?? {}) },
      });
      callback(null, {
        status: { code: 0, message: '' },
        ok_response: { headers: [{ header: { key: 'x-test-authz', value: 'ok' } }] },
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    port,
    seen,
    close: () =>
      new Promise((resolve) => {
        server.tryShutdown(() => resolve());
        setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 500).unref();
      }),
  };
}

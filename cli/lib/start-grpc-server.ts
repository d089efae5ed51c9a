// The process's one gRPC server on grpc_address (authz and the ADS server share it in
// all-in-one mode), with the credentials and caller authentication of prepare-grpc-security.ts.
import * as grpc from '@grpc/grpc-js';
import { applyHttp2ServerLimits } from '../../authz/index.js';
import { PortcullisError } from '../../errors/index.js';
import { formatHostPort, type HostPort } from './listen-address.js';
import { NOTHING_TO_COMMIT, type ServiceUnit } from './service-unit.js';

export function createGrpcServer(interceptors: grpc.ServerInterceptor[] = []): grpc.Server {
  return applyHttp2ServerLimits(
    new grpc.Server({
      'grpc.keepalive_permit_without_calls': 1,
      'grpc.http2.min_ping_interval_without_data_ms': 5000,
      ...(interceptors.length > 0 ? { interceptors } : {}),
    }),
  );
}

/** Binds the server (after every service was added); resolves to the unit that closes it. */
export async function bindGrpcServer(
  server: grpc.Server,
  address: HostPort,
  /** From prepare-grpc-security.ts: TLS, or plain text only for loopback. */
  credentials: grpc.ServerCredentials,
): Promise<ServiceUnit & { readonly endpoint: HostPort }> {
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(formatHostPort(address), credentials, (err, p) =>
      err
        ? reject(
            new PortcullisError(
              'CONFIG_INVALID',
              `grpc_address: cannot listen on ${formatHostPort(address)}: ${err.message}`,
            ),
          )
        : resolve(p),
    );
  });
  const endpoint = { host: address.host, port };
  return {
    name: 'grpc',
    endpoint,
    addresses: { grpc: formatHostPort(endpoint) },
    prepare: () => NOTHING_TO_COMMIT,
    close: () =>
      new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(t);
          resolve();
        });
      }),
  };
}

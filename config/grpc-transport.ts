// Whether grpc_address (authorize Check, ADS, health) speaks TLS: the one home of the rule
// "plain-text gRPC only on loopback". Plain text is the default on a loopback address and what
// `grpc_insecure: true` asks for; anywhere else TLS with a configured certificate is required.
import type { Config } from './schema.js';

export type GrpcTransport =
  | { readonly tls: false; readonly host: string }
  | { readonly tls: true; readonly host: string }
  | { readonly refused: string; readonly host: string };

/** The host part of a listen address (`:443` → '' = every interface, `[::1]:5443` → ::1). */
export function listenHost(address: string): string {
  const m = /^(?:\[([^\]]*)\]|([^:]*)):\d*$/.exec(address.trim());
  return m === null ? address : (m[1] ?? m[2] ?? '');
}

/** localhost, 127.0.0.0/8 and ::1: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    h === 'localhost' ||
    h === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
  );
}

/** True when a server certificate is configured (`certificates`, `certificate`, `_file`). */
export function hasServerCertificate(c: Config): boolean {
  return (
    (c.certificates?.length ?? 0) > 0 ||
    c.certificate !== undefined ||
    c.certificate_file !== undefined
  );
}

export function grpcTransport(c: Config): GrpcTransport {
  const host = listenHost(c.grpc_address);
  const loopback = isLoopbackHost(host);
  const where = `grpc_address ${c.grpc_address}`;
  if (c.grpc_insecure === true || (c.grpc_insecure === undefined && loopback)) {
    if (loopback) return { tls: false, host };
    return {
      host,
      refused: `grpc_insecure: true is accepted only on a loopback address, and ${where} is reachable from the network: anyone there could forge authorize Checks and read the Envoy configuration with its keys. Configure a certificate for gRPC (\`portcullis keys generate --tls\`) or bind 127.0.0.1`,
    };
  }
  if (!hasServerCertificate(c)) {
    return {
      host,
      refused: `${where} needs TLS (${loopback ? 'grpc_insecure: false' : 'it is not a loopback address'}) but no certificate is configured: set certificate_file/certificate_key_file or certificates (\`portcullis keys generate --tls\` makes them), or bind 127.0.0.1`,
    };
  }
  return { tls: true, host };
}

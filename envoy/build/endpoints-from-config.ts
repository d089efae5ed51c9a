// Where Envoy finds authz and authn (docs/architecture.md): authz at authorize_internal_service_url, else
// authorize_service_urls / authorize_service_url, else grpc_address (all-in-one); authn at
// authenticate_internal_service_url, else (all-in-one without it) the port after grpc_address's
// on the same host — the start command passes the real one. grpc_address is reached over TLS
// when it serves TLS (config/grpc-transport.ts).
import { type Config, grpcTransport } from '../../config/index.js';
import { parseListenAddress, upstreamHost } from '../lib/envoy-values.js';
import type { EnvoyBuildOptions, HostPort } from '../types.js';

function fromUrl(url: string): HostPort {
  const u = new URL(url);
  const port = u.port !== '' ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  return u.protocol === 'https:'
    ? { host: upstreamHost(u.hostname), port, tls: true }
    : { host: upstreamHost(u.hostname), port };
}

function local(addr: string, delta = 0): HostPort {
  const a = parseListenAddress(addr) ?? { host: '127.0.0.1', port: 443 };
  const host = a.host === '0.0.0.0' || a.host === '::' ? '127.0.0.1' : a.host;
  return { host, port: a.port + delta };
}

export function endpointsFromConfig(config: Config): Pick<EnvoyBuildOptions, 'authz' | 'authn'> {
  const authzUrls =
    config.authorize_internal_service_url !== undefined
      ? [config.authorize_internal_service_url]
      : (config.authorize_service_urls ??
        (config.authorize_service_url !== undefined ? [config.authorize_service_url] : []));
  const t = grpcTransport(config);
  const grpcTls = 'tls' in t && t.tls;
  const authz =
    authzUrls.length > 0
      ? authzUrls.map(fromUrl)
      : [{ ...local(config.grpc_address), ...(grpcTls ? { tls: true } : {}) }];
  const authn =
    config.authenticate_internal_service_url !== undefined
      ? fromUrl(config.authenticate_internal_service_url)
      : local(config.grpc_address, 1);
  return { authz, authn };
}

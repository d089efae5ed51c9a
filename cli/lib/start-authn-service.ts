// The authenticate service: authn's HTTP server on authenticate_internal_service_url's port, or
// (all-in-one) on an ephemeral loopback port that the proxy hands to Envoy; over TLS when that
// URL is https (serve-https.ts).
import type { Logger } from 'pino';
import { createAuthnServer } from '../../authn/index.js';
import type { LoadedConfig } from '../../config/index.js';
import type { RecordStore } from '../../databroker/index.js';
import type { SigningKey } from '../../wire/index.js';
import { formatHostPort, type HostPort, urlHostPort } from './listen-address.js';
import { readGrpcTlsMaterial } from './read-grpc-tls.js';
import { listenHttps } from './serve-https.js';
import type { ServiceUnit } from './service-unit.js';

export interface AuthnUnit extends ServiceUnit {
  /** Where Envoy reaches authn (over TLS when `tls`). */
  readonly endpoint: HostPort & { readonly tls?: boolean };
  /** Prometheus text of authn (served on metrics_address). */
  metrics(): string;
}

export async function startAuthnService(opts: {
  readonly loaded: LoadedConfig;
  readonly store: RecordStore;
  readonly logger: Logger;
  /** The process's generated key set (all-in-one without signing_key). */
  readonly signingKeys?: readonly SigningKey[];
}): Promise<AuthnUnit> {
  const authn = createAuthnServer({
    config: opts.loaded.config,
    store: opts.store,
    logger: opts.logger.child({ service: 'authenticate' }),
    ...(opts.signingKeys ? { signingKeys: opts.signingKeys } : {}),
  });
  const internal = opts.loaded.config.authenticate_internal_service_url;
  const want = internal ? urlHostPort(internal) : { host: '127.0.0.1', port: 0 };
  if (internal?.startsWith('https:')) {
    // Cookies and authorization codes cross this hop: TLS with the configured certificates.
    const https = await listenHttps(
      authn.handler,
      readGrpcTlsMaterial(opts.loaded).serverPairs,
      want.port,
      want.host,
    );
    const endpoint = { host: want.host, port: https.address.port, tls: true };
    return {
      name: 'authenticate',
      endpoint,
      addresses: { https: formatHostPort(endpoint) },
      prepare: (loaded) => {
        // both halves built before either is swapped in
        const tls = https.prepare(readGrpcTlsMaterial(loaded).serverPairs);
        const next = authn.prepare(loaded.config);
        return {
          commit: () => {
            next.commit();
            tls.commit();
          },
        };
      },
      setHealth: (problem) => authn.setUnhealthy(problem),
      setDegraded: (note) => authn.setDegraded(note),
      metrics: () => authn.metrics(),
      close: async () => {
        await https.close();
        await authn.close();
      },
    };
  }
  const address = await authn.listen(want.port, want.host);
  const endpoint = { host: want.host, port: address.port };
  return {
    name: 'authenticate',
    endpoint,
    addresses: { http: formatHostPort(endpoint) },
    prepare: (loaded) => authn.prepare(loaded.config),
    setHealth: (problem) => authn.setUnhealthy(problem),
    setDegraded: (note) => authn.setDegraded(note),
    metrics: () => authn.metrics(),
    close: () => authn.close(),
  };
}

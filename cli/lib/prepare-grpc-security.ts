// The control plane's security for one process (config/grpc-transport.ts decides TLS or plain
// text): the credentials and caller authentication of grpc_address, and what this process's
// Envoy needs to reach our TLS services (CA, client certificate). When this process runs a
// supervised Envoy and no grpc_client_certificate is configured, that Envoy gets a client
// certificate from a CA made for this process only and trusted by this process only.
// reload() re-reads every file: rotated certificates reach new connections, open streams stay.
import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import type * as grpc from '@grpc/grpc-js';
import { ServerCredentials } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { AuthenticateStream } from '../../authz/index.js';
import { grpcTransport, type LoadedConfig } from '../../config/index.js';
import { issueCertificate, issueCertificateAuthority } from '../../envoy/index.js';
import { PortcullisError } from '../../errors/index.js';
import { deriveKeys } from '../../wire/index.js';
import { authenticateCheckStreams, authenticateGrpcCallers } from './authenticate-grpc-callers.js';
import {
  createGrpcServerCredentials,
  type GrpcServerCredentials,
} from './grpc-server-credentials.js';
import { type PemPair, readGrpcTlsMaterial } from './read-grpc-tls.js';

export interface EnvoyInternalTls {
  readonly ca?: string;
  readonly clientCert?: PemPair;
}

export interface GrpcSecurity {
  /** grpc_address serves TLS and authenticates callers. */
  readonly tls: boolean;
  readonly credentials: grpc.ServerCredentials;
  readonly interceptors: grpc.ServerInterceptor[];
  /** The same caller authentication for Checks on the lean transport (undefined: plain text). */
  readonly checkStreamAuth?: AuthenticateStream;
  /** Inline PEMs for this process's Envoy (current after each reload). */
  envoyTls(): EnvoyInternalTls;
  /** The CA made for this process's Envoy client certificate (authz workers trust it too). */
  readonly ownClientCa?: string;
  /** Re-reads the files of a reloaded config; throws CONFIG_INVALID and keeps the old ones. */
  reload(loaded: LoadedConfig): void;
  /**
   * Throws CONFIG_INVALID, saying what to change, when this process's Envoy could not verify
   * grpc_address's certificate at `host` (name or CA): better than an Envoy that never gets ready.
   */
  assertEnvoyCanVerify(host: string): void;
}

export function prepareGrpcSecurity(opts: {
  readonly loaded: LoadedConfig;
  readonly logger: Logger;
  /** This process serves grpc_address (authorize and/or ADS). */
  readonly servesGrpc: boolean;
  /** This process supervises an Envoy (runs proxy). */
  readonly runsEnvoy: boolean;
  /** This process runs authorize (its Envoy calls it here). */
  readonly servesAuthorize?: boolean;
  /** More client CAs (an authz worker trusts its parent's Envoy CA, authz-worker-main.ts). */
  readonly extraClientCas?: readonly string[];
}): GrpcSecurity {
  const { logger } = opts;
  const c = opts.loaded.config;
  const transport = grpcTransport(c);
  if (opts.servesGrpc && 'refused' in transport) {
    throw new PortcullisError('CONFIG_INVALID', transport.refused);
  }
  const tls = opts.servesGrpc && 'tls' in transport && transport.tls;
  const needsMaterial = tls || opts.runsEnvoy;
  let material = needsMaterial ? readGrpcTlsMaterial(opts.loaded) : { serverPairs: [] };
  // The supervised Envoy's own client certificate, when none is configured.
  const own =
    tls && opts.runsEnvoy && material.clientCert === undefined
      ? (() => {
          const ca = issueCertificateAuthority('Portcullis supervised Envoy (this process)', {
            days: 3650,
          });
          return {
            ca,
            cert: issueCertificate(
              ca,
              { commonName: 'portcullis-envoy', usage: 'client' },
              { days: 3650 },
            ),
          };
        })()
      : undefined;
  const clientCas = (m: typeof material): string[] => [
    ...('clientCa' in m && m.clientCa !== undefined ? [m.clientCa] : []),
    ...(own ? [own.ca.cert] : []),
    ...(opts.extraClientCas ?? []),
  ];
  let server: GrpcServerCredentials | undefined;
  if (tls) {
    server = createGrpcServerCredentials({
      serverPairs: material.serverPairs,
      clientCas: clientCas(material),
    });
    if (!('clientCa' in material) || material.clientCa === undefined) {
      logger.warn(
        { code: 'insecure_setting', grpc_address: c.grpc_address },
        own
          ? "no grpc_client_ca: only this process's Envoy and callers with a service JWT can call grpc_address"
          : 'no grpc_client_ca: only callers with a service JWT can call grpc_address; an Envoy needs a client certificate from a CA set in grpc_client_ca',
      );
    }
    const remoteTls = [
      c.authorize_internal_service_url,
      c.authorize_service_url,
      ...(c.authorize_service_urls ?? []),
    ].some((u) => u?.startsWith('https:'));
    if (opts.runsEnvoy && !opts.servesAuthorize && remoteTls && !('clientCert' in material)) {
      logger.warn(
        { code: 'insecure_setting' },
        'Envoy has no client certificate for the https authorize services: they will refuse its Checks (set grpc_client_certificate_file)',
      );
    }
    logger.info(
      { grpc_address: c.grpc_address, client_ca: clientCas(material).length > 0 },
      'gRPC serves TLS and authenticates callers (client certificate or service JWT)',
    );
  } else if (opts.servesGrpc) {
    logger.info(
      { grpc_address: c.grpc_address },
      'gRPC in plain text on loopback: callers on this machine are not authenticated',
    );
  }
  const secret = c.shared_secret;
  if (tls && secret === undefined) {
    throw new PortcullisError('CONFIG_INVALID', 'gRPC TLS needs shared_secret');
  }
  return {
    tls,
    credentials: server?.credentials ?? ServerCredentials.createInsecure(),
    interceptors: tls
      ? [
          authenticateGrpcCallers({
            jwtKey: deriveKeys(secret!).grpcKey,
            logger: logger.child({ service: 'grpc' }),
          }),
        ]
      : [],
    ...(own ? { ownClientCa: own.ca.cert } : {}),
    ...(tls
      ? {
          checkStreamAuth: authenticateCheckStreams({
            jwtKey: deriveKeys(secret!).grpcKey,
            logger: logger.child({ service: 'grpc' }),
          }),
        }
      : {}),
    envoyTls() {
      const m = material as { ca?: string; clientCert?: PemPair };
      const clientCert = m.clientCert ?? own?.cert;
      return {
        ...(m.ca === undefined ? {} : { ca: m.ca }),
        ...(clientCert === undefined ? {} : { clientCert }),
      };
    },
    assertEnvoyCanVerify(host) {
      if (!tls) return;
      const name = c.override_certificate_name ?? host;
      const certs = material.serverPairs.map((p) => new X509Certificate(p.cert));
      const matching = certs.filter((x) =>
        isIP(name) === 0 ? x.checkHost(name) !== undefined : x.checkIP(name) !== undefined,
      );
      if (matching.length === 0) {
        throw new PortcullisError(
          'CONFIG_INVALID',
          `no gRPC certificate is valid for ${name}, the name this process's Envoy verifies when it connects to grpc_address: add it to the certificate (\`portcullis keys generate --tls --name ${name}\`) or set override_certificate_name to a name the certificate has`,
        );
      }
      const ca = (material as { ca?: string }).ca;
      if (ca === undefined) {
        logger.warn(
          { code: 'insecure_setting' },
          'no certificate_authority: Envoy verifies grpc_address against the system CA bundle (set certificate_authority_file to your internal CA)',
        );
        return;
      }
      const anchors = splitPem(ca).map((p) => new X509Certificate(p));
      const issued = matching.some((leaf) =>
        anchors.some((a) => leaf.checkIssued(a) && leaf.verify(a.publicKey)),
      );
      if (!issued) {
        throw new PortcullisError(
          'CONFIG_INVALID',
          `the gRPC certificate for ${name} is not signed by certificate_authority: this process's Envoy would refuse it`,
        );
      }
    },
    reload(loaded) {
      if (!needsMaterial) return;
      const next = readGrpcTlsMaterial(loaded);
      server?.update({ serverPairs: next.serverPairs, clientCas: clientCas(next) });
      material = next;
    },
  };
}

/** The PEM blocks of a bundle. */
function splitPem(bundle: string): string[] {
  return bundle.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

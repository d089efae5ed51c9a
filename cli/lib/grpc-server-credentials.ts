// TLS credentials of grpc_address: every configured server certificate (chosen by SNI, the first
// when none matches, as Pomerium serves its certificates), a client certificate requested but not
// required (a caller may authenticate with a service JWT instead; authenticate-grpc-callers.ts
// judges each call), and update(): new connections get the new certificates and CA while open
// connections and their streams carry on untouched (rotation by hot reload).
import { X509Certificate } from 'node:crypto';
import { createSecureContext, type SecureContext } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { PortcullisError } from '../../errors/index.js';
import type { PemPair } from './read-grpc-tls.js';

export interface GrpcServerTls {
  /** Server certificates (at least one). */
  readonly serverPairs: readonly PemPair[];
  /** CA bundle(s) whose client certificates authenticate a caller. */
  readonly clientCas: readonly string[];
}

interface Prepared {
  readonly byName: readonly { readonly cert: X509Certificate; readonly context: SecureContext }[];
  readonly options: { cert: string[]; key: string[]; ca?: string[] };
}

function prepare(tls: GrpcServerTls): Prepared {
  if (tls.serverPairs.length === 0) {
    throw new PortcullisError('CONFIG_INVALID', 'gRPC TLS needs a server certificate');
  }
  const ca = tls.clientCas.length > 0 ? [...tls.clientCas] : undefined;
  try {
    const byName = tls.serverPairs.map((p) => ({
      cert: new X509Certificate(p.cert),
      context: createSecureContext({
        cert: p.cert,
        key: p.key,
        minVersion: 'TLSv1.2',
        ...(ca ? { ca } : {}),
      }),
    }));
    const first = tls.serverPairs[0]!;
    return { byName, options: { cert: [first.cert], key: [first.key], ...(ca ? { ca } : {}) } };
  } catch (err) {
    throw new PortcullisError(
      'CONFIG_INVALID',
      `gRPC TLS: a certificate, key or CA does not load: ${(err as Error).message}`,
    );
  }
}

class ReloadableServerCredentials extends grpc.ServerCredentials {
  private readonly state: { current: Prepared };
  constructor(state: { current: Prepared }) {
    super(
      {
        // Always asked for, never required at the TLS layer: a caller may instead present a
        // service JWT, and a CA added by a reload applies to new connections. The decision is
        // authenticate-grpc-callers.ts's, which admits a certificate only when TLS verified it
        // against grpc_client_ca (the socket's `authorized` flag) and otherwise wants the JWT.
        requestCert: true,
        rejectUnauthorized: false,
        minVersion: 'TLSv1.2',
        SNICallback: (servername, cb) => {
          const hit = state.current.byName.find((e) => e.cert.checkHost(servername) !== undefined);
          cb(null, (hit ?? state.current.byName[0])!.context);
        },
      },
      state.current.options,
    );
    this.state = state;
  }
  /** New connections use `next`; existing ones are left alone. */
  swap(next: Prepared): void {
    this.state.current = next;
    this.updateSecureContextOptions(next.options);
  }
  override _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

export interface GrpcServerCredentials {
  readonly credentials: grpc.ServerCredentials;
  /** Loads new certificates/CAs for new connections; throws CONFIG_INVALID and keeps the old. */
  update(tls: GrpcServerTls): void;
}

export function createGrpcServerCredentials(tls: GrpcServerTls): GrpcServerCredentials {
  const creds = new ReloadableServerCredentials({ current: prepare(tls) });
  return {
    credentials: creds,
    update(next) {
      creds.swap(prepare(next));
    },
  };
}

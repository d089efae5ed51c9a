// authn's internal listener over TLS (an https authenticate_internal_service_url): the configured
// server certificates chosen by SNI, the first when none matches; update() gives new connections
// new certificates (rotation) while open ones carry on.
import { X509Certificate } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import { PortcullisError } from '../../errors/index.js';
import type { PemPair } from './read-grpc-tls.js';

export interface HttpsListener {
  readonly address: AddressInfo;
  update(pairs: readonly PemPair[]): void;
  /** Builds the certificates' contexts (throws on a bad pair); commit() swaps them in. */
  prepare(pairs: readonly PemPair[]): { commit(): void };
  close(): Promise<void>;
}

type Contexts = readonly { readonly cert: X509Certificate; readonly context: SecureContext }[];

function contexts(pairs: readonly PemPair[]): Contexts {
  if (pairs.length === 0) {
    throw new PortcullisError(
      'CONFIG_INVALID',
      'an https authenticate_internal_service_url needs a certificate (certificate_file/certificate_key_file or certificates)',
    );
  }
  return pairs.map((p) => ({
    cert: new X509Certificate(p.cert),
    context: createSecureContext({ cert: p.cert, key: p.key, minVersion: 'TLSv1.2' }),
  }));
}

export async function listenHttps(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  pairs: readonly PemPair[],
  port: number,
  host: string,
): Promise<HttpsListener> {
  let current = contexts(pairs);
  const server = createServer(
    {
      cert: pairs[0]!.cert,
      key: pairs[0]!.key,
      minVersion: 'TLSv1.2',
      SNICallback: (name, cb) =>
        cb(
          null,
          (current.find((c) => c.cert.checkHost(name) !== undefined) ?? current[0]!).context,
        ),
    },
    handler,
  );
  server.headersTimeout = 30_000;
  server.requestTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const prepare = (next: readonly PemPair[]): { commit(): void } => {
    const ctx = contexts(next);
    return {
      commit: () => {
        server.setSecureContext({
          cert: next[0]!.cert,
          key: next[0]!.key,
          minVersion: 'TLSv1.2',
        });
        current = ctx;
      },
    };
  };
  return {
    address: server.address() as AddressInfo,
    update: (next) => prepare(next).commit(),
    prepare,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

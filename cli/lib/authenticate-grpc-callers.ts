// Caller authentication on grpc_address (docs/architecture.md "The control plane is private and
// authenticated"): every call but gRPC health must come with a client certificate that verified
// against grpc_client_ca (or the process's own supervised-Envoy CA), or a service JWT in the
// `jwt` metadata (wire/crypto/grpc-service-token.ts). Anything else ends with UNAUTHENTICATED
// and a log line before the handler runs: no decision, no snapshot, not a byte of either.
import type { ServerHttp2Stream } from 'node:http2';
import { TLSSocket } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import type { AuthenticateStream } from '../../authz/index.js';
import { ERROR_TABLE } from '../../errors/index.js';
import { checkGrpcServiceToken } from '../../wire/index.js';

const HEALTH_PREFIX = '/grpc.health.v1.Health/';
/** At most this many refusals are logged per second (the rest are counted in the next line). */
const LOG_PER_SECOND = 20;

export interface CallerAuthOptions {
  /** HS256 key of service JWTs (deriveKeys(shared_secret).grpcKey). */
  readonly jwtKey: Uint8Array;
  readonly logger: Logger;
  readonly now?: () => number;
}

export type CallerVerdict = 'certificate' | 'jwt' | { readonly refused: string };

/** Why a call is (not) authenticated; exported for tests. */
export function judgeCaller(
  call: Pick<grpc.ServerInterceptingCallInterface, 'getAuthContext'>,
  metadata: grpc.Metadata,
  key: Uint8Array,
  now: number,
  /** Tokens already verified → their expiry (ms): a hit skips the HMAC. */
  verified?: Map<string, number>,
): CallerVerdict {
  if (hasVerifiedCertificate(call)) return 'certificate';
  const tokens = metadata.get('jwt');
  if (tokens.length === 0) return { refused: 'no client certificate from the CA and no jwt' };
  if (tokens.length > 1) return { refused: 'several jwt values' };
  const token = tokens[0];
  if (typeof token !== 'string') return { refused: 'jwt is not text' };
  const until = verified?.get(token);
  if (until !== undefined && until > now) return 'jwt';
  const problem = checkGrpcServiceToken(token, key, now);
  if (problem !== undefined) return { refused: `jwt ${problem.replaceAll('_', ' ')}` };
  if (verified !== undefined) {
    if (verified.size >= 1024) verified.clear();
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp;
    verified.set(token, exp * 1000);
  }
  return 'jwt';
}

/**
 * The caller presented a client certificate the TLS stack verified against the client CAs.
 * grpc-js's getAuthContext answers that but builds the whole peer certificate (~30 µs) on every
 * call; the connection's `authorized` flag is the same fact, read where grpc-js keeps the socket
 * (its server call's `stream.session.socket`), with getAuthContext as the fallback when that
 * shape is not there.
 */
function hasVerifiedCertificate(
  call: Pick<grpc.ServerInterceptingCallInterface, 'getAuthContext'>,
): boolean {
  const socket = (call as { stream?: { session?: { socket?: unknown } } }).stream?.session?.socket;
  if (socket instanceof TLSSocket) return socket.authorized;
  return call.getAuthContext().sslPeerCertificate !== undefined;
}

/** A refusal logger limited to LOG_PER_SECOND lines (the rest counted in the next line). */
function refusalLog(
  opts: CallerAuthOptions,
  now: () => number,
): (f: Record<string, unknown>) => void {
  let windowStart = 0;
  let logged = 0;
  let suppressed = 0;
  return (fields) => {
    const t = now();
    if (t - windowStart >= 1000) {
      windowStart = t;
      logged = 0;
    }
    if (logged >= LOG_PER_SECOND) {
      suppressed++;
      return;
    }
    logged++;
    opts.logger.warn(
      { code: 'GRPC_UNAUTHENTICATED', ...fields, ...(suppressed > 0 ? { suppressed } : {}) },
      'gRPC call refused: caller not authenticated',
    );
    suppressed = 0;
  };
}

const REFUSAL_DETAILS = 'unauthenticated: present a client certificate or a service jwt';

/** The server interceptor that refuses unauthenticated calls (health excepted). */
export function authenticateGrpcCallers(opts: CallerAuthOptions): grpc.ServerInterceptor {
  const now = opts.now ?? Date.now;
  const verified = new Map<string, number>();
  const log = refusalLog(opts, now);
  return (method, call) => {
    if (method.path.startsWith(HEALTH_PREFIX)) return new grpc.ServerInterceptingCall(call);
    return new grpc.ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMetadata(metadata, mdNext) {
            const verdict = judgeCaller(call, metadata, opts.jwtKey, now(), verified);
            if (typeof verdict === 'string') {
              mdNext(metadata);
              return;
            }
            log({ method: method.path, peer: call.getPeer(), reason: verdict.refused });
            call.sendStatus({
              code: grpc.status[ERROR_TABLE.GRPC_UNAUTHENTICATED.grpc],
              details: REFUSAL_DETAILS,
            });
          },
        });
      },
    });
  };
}

/**
 * The same rule for Check streams served by the lean transport (authz/grpc/lean-check.ts): the
 * connection's verified certificate, else exactly one `jwt` header that verifies; refusals are
 * logged alike and answered with the same status and details.
 */
export function authenticateCheckStreams(opts: CallerAuthOptions): AuthenticateStream {
  const now = opts.now ?? Date.now;
  const verified = new Map<string, number>();
  const log = refusalLog(opts, now);
  const code = grpc.status[ERROR_TABLE.GRPC_UNAUTHENTICATED.grpc];
  return (stream: ServerHttp2Stream, rawHeaders: readonly string[]) => {
    const socket = stream.session?.socket;
    const call = {
      stream: { session: { socket } },
      getAuthContext: () => ({}),
    } as unknown as Pick<grpc.ServerInterceptingCallInterface, 'getAuthContext'>;
    const metadata = new grpc.Metadata();
    let verdict: CallerVerdict = { refused: 'jwt is not text' };
    try {
      for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
        if (rawHeaders[i]!.toLowerCase() === 'jwt') metadata.add('jwt', rawHeaders[i + 1]!);
      }
      verdict = judgeCaller(call, metadata, opts.jwtKey, now(), verified);
    } catch {
      // A header value grpc-js's Metadata refuses: refused as it would be (not text).
    }
    if (typeof verdict === 'string') return null;
    const peer = socket ? `${socket.remoteAddress}:${socket.remotePort}` : 'unknown';
    log({ method: '/envoy.service.auth.v3.Authorization/Check', peer, reason: verdict.refused });
    return { code, details: REFUSAL_DETAILS };
  };
}

// The lean Check transport (docs/performance.md "Lean Check transport"): the unary
// envoy.service.auth.v3.Authorization/Check served straight from node:http2 streams, without
// grpc-js's call objects, interceptors, metadata and per-call timers. It speaks exactly what a
// gRPC client of a unary method expects: length-prefixed messages (one request, one answer),
// `grpc-timeout` deadlines, status trailers (trailers-only for errors), the compressed flag
// refused with UNIMPLEMENTED, oversize messages with RESOURCE_EXHAUSTED, streams the client reset
// dropped without a write. HTTP/2 itself (sessions, flow control, settings, the reset guard of
// http2-server-limits.ts, keepalive, TLS) stays grpc-js's: route-check-streams.ts hands this
// handler only the Check streams of grpc-js's own HTTP/2 server; ADS and health stay on grpc-js.
// The answers are the very bytes the grpc-js handler (serve-check.ts) sends:
// test/unit/authz/lean-check-differential.test.ts compares them over a corpus.
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { Decide } from '../decide.js';
import type { AuthzResponse } from '../lib/authz-types.js';
import type { DecisionSummary } from './decision-metadata.js';
import { type CheckRequestWire, readCheckRequest } from './read-check-request.js';
import type { EncodedCheckResponse } from './write-check-response.js';

export const CHECK_PATH = '/envoy.service.auth.v3.Authorization/Check';
/** grpc-js's default receive limit (4 MiB), kept so both transports refuse the same sizes. */
export const MAX_CHECK_MESSAGE = 4 * 1024 * 1024;

/** gRPC status codes used here. */
export const GRPC_STATUS = {
  OK: 0,
  DEADLINE_EXCEEDED: 4,
  RESOURCE_EXHAUSTED: 8,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAUTHENTICATED: 16,
} as const;

export interface StreamRefusal {
  readonly code: number;
  readonly details: string;
}

/**
 * Caller authentication of a Check stream (cli/lib/authenticate-grpc-callers.ts, the same rule as
 * the grpc-js interceptor): null admits; a refusal is sent as the call's status.
 */
export type AuthenticateStream = (
  stream: ServerHttp2Stream,
  rawHeaders: readonly string[],
) => StreamRefusal | null;

export type CheckStreamHandler = (
  stream: ServerHttp2Stream,
  headers: IncomingHttpHeaders,
  flags: number,
  rawHeaders: readonly string[],
) => void;

export interface LeanCheckOptions {
  readonly decide: Decide;
  /** Decodes the protobuf CheckRequest (throws on malformed bytes). */
  readonly deserialize: (bytes: Buffer) => CheckRequestWire;
  /** The response encoder of write-check-response.ts. */
  readonly encode: (res: AuthzResponse, summary: DecisionSummary) => EncodedCheckResponse;
  /** Serializes what `encode` returned as an object (denials). */
  readonly serialize: (wire: Exclude<EncodedCheckResponse, Buffer>) => Buffer;
  readonly authenticate?: AuthenticateStream;
  /** Streams answered (metrics, tests: proves the lean path served them). */
  readonly onServed?: () => void;
}

const UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 1e-3, n: 1e-6 };

/**
 * `grpc-timeout` in ms: undefined when absent, null when malformed (1–8 digits and a unit).
 */
export function parseGrpcTimeout(value: string | string[] | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') return null;
  const m = /^(\d{1,8})([HMSmun])$/.exec(value);
  return m === null ? null : Number(m[1]) * UNITS[m[2]!]!;
}

/** grpc-message is percent-encoded outside printable ASCII (and `%` itself). */
function percentEncode(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    out +=
      byte >= 0x20 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

const RESPONSE_HEADERS = {
  ':status': 200,
  'content-type': 'application/grpc+proto',
  'grpc-accept-encoding': 'identity',
  'grpc-encoding': 'identity',
};
const OK_TRAILERS = { 'grpc-status': '0', 'grpc-message': 'OK' };

function open(stream: ServerHttp2Stream): boolean {
  return !stream.destroyed && !stream.closed && stream.writable;
}

/** A trailers-only answer: the call's status without a message. */
export function sendStatus(stream: ServerHttp2Stream, code: number, details: string): void {
  if (!open(stream) || stream.headersSent) return;
  try {
    stream.respond(
      {
        ':status': 200,
        'content-type': 'application/grpc+proto',
        'grpc-status': String(code),
        'grpc-message': percentEncode(details),
      },
      { endStream: true },
    );
  } catch {
    // The client reset the stream meanwhile: nobody is waiting for the answer.
  }
}

function sendMessage(stream: ServerHttp2Stream, bytes: Buffer): void {
  if (!open(stream) || stream.headersSent) return;
  const frame = Buffer.allocUnsafe(5 + bytes.length);
  frame[0] = 0;
  frame.writeUInt32BE(bytes.length, 1);
  bytes.copy(frame, 5);
  try {
    stream.respond(RESPONSE_HEADERS, { waitForTrailers: true });
    // `on`, not `once`: the event comes once per stream, and once() wraps every listener in an
    // object of its own (docs/performance.md "Tails").
    stream.on('wantTrailers', () => {
      try {
        stream.sendTrailers(OK_TRAILERS);
      } catch {
        // Reset after the message: the status is lost with the stream.
      }
    });
    stream.end(frame);
  } catch {
    // Reset between the check and the write.
  }
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return typeof v === 'string' ? v : undefined;
}

export function createCheckStreamHandler(opts: LeanCheckOptions): CheckStreamHandler {
  const { decide, deserialize, encode, serialize, authenticate, onServed } = opts;
  const ignore = (): void => undefined;
  return (stream, headers, _flags, rawHeaders) => {
    // Errors of a stream (a reset, a session torn down) end it; the answer is then dropped.
    stream.on('error', ignore);
    const contentType = headers['content-type'];
    if (typeof contentType !== 'string' || !contentType.startsWith('application/grpc')) {
      // What grpc-js answers a non-gRPC request on a gRPC path.
      try {
        stream.respond({ ':status': 415 }, { endStream: true });
      } catch {}
      return;
    }
    if (authenticate !== undefined) {
      const refusal = authenticate(stream, rawHeaders);
      if (refusal !== null) {
        stream.resume();
        sendStatus(stream, refusal.code, refusal.details);
        return;
      }
    }
    const timeout = parseGrpcTimeout(headers['grpc-timeout']);
    if (timeout === null) {
      stream.resume();
      sendStatus(stream, GRPC_STATUS.OUT_OF_RANGE, 'Invalid grpc-timeout value');
      return;
    }
    const deadline = timeout === undefined ? Infinity : performance.now() + timeout;
    let chunks: Buffer[] | null = [];
    let size = 0;
    stream.on('data', (chunk: Buffer) => {
      if (chunks === null) return;
      size += chunk.length;
      if (size > MAX_CHECK_MESSAGE + 5) {
        chunks = null;
        sendStatus(
          stream,
          GRPC_STATUS.RESOURCE_EXHAUSTED,
          `Received message larger than max (${size - 5} vs. ${MAX_CHECK_MESSAGE})`,
        );
        return;
      }
      chunks.push(chunk);
    });
    stream.on('end', () => {
      if (chunks === null || !open(stream)) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      chunks = null;
      if (body.length < 5) {
        sendStatus(stream, GRPC_STATUS.UNIMPLEMENTED, 'request message missing');
        return;
      }
      const length = body.readUInt32BE(1);
      if (body.length !== 5 + length) {
        sendStatus(
          stream,
          GRPC_STATUS.UNIMPLEMENTED,
          body.length < 5 + length
            ? 'request message truncated'
            : 'a unary call carries exactly one request message',
        );
        return;
      }
      if (body[0] !== 0) {
        sendStatus(
          stream,
          GRPC_STATUS.UNIMPLEMENTED,
          'compressed messages are not accepted (send grpc-encoding identity)',
        );
        return;
      }
      let wire: CheckRequestWire;
      try {
        wire = deserialize(body.subarray(5));
      } catch (err) {
        sendStatus(
          stream,
          GRPC_STATUS.INTERNAL,
          `Error deserializing request: ${(err as Error).message}`,
        );
        return;
      }
      decide(
        () => readCheckRequest(wire),
        () => deadline - performance.now(),
        (res, summary) => {
          if (!open(stream)) return;
          if (performance.now() > deadline) {
            sendStatus(stream, GRPC_STATUS.DEADLINE_EXCEEDED, 'Deadline exceeded');
            return;
          }
          const encoded = encode(res, summary);
          sendMessage(stream, Buffer.isBuffer(encoded) ? encoded : serialize(encoded));
          onServed?.();
        },
        () => ({
          traceparent: headerValue(headers, 'traceparent'),
          tracestate: headerValue(headers, 'tracestate'),
        }),
      );
    });
  };
}

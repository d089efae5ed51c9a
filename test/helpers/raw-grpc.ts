// A raw gRPC unary call over node:http2 for transport tests: the exact bytes of the answer
// message, the status wherever it came (trailers-only or trailers), and hostile requests a gRPC
// library would never send (compressed flag, two messages, bad grpc-timeout, resets).
import { type ClientHttp2Session, connect, type SecureClientSessionOptions } from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { serviceDefinitions } from '../../authz/grpc/grpc-services.js';

export const CHECK_PATH = '/envoy.service.auth.v3.Authorization/Check';

export interface RawAnswer {
  readonly httpStatus: number;
  readonly grpcStatus: number | undefined;
  readonly grpcMessage: string;
  /** The answer message without its 5-byte prefix (null: none). */
  readonly message: Buffer | null;
}

/** One gRPC length-prefixed message. */
export function grpcFrame(message: Buffer, compressed = false): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame[0] = compressed ? 1 : 0;
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

/** A CheckRequest (proto-loader object shape) as protobuf bytes. */
export function encodeCheckRequest(request: object): Buffer {
  const def = serviceDefinitions().authorization.Check as grpc.MethodDefinition<object, unknown>;
  return def.requestSerialize(request);
}

export function openSession(
  url: string,
  options: SecureClientSessionOptions = {},
): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const s = connect(url, options);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** Sends `body` (already framed) and collects the answer. */
export function rawCall(
  session: ClientHttp2Session,
  body: Buffer,
  headers: Record<string, string | string[]> = {},
  path = CHECK_PATH,
): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      ...headers,
    });
    let httpStatus = 0;
    let grpcStatus: number | undefined;
    let grpcMessage = '';
    const chunks: Buffer[] = [];
    const status = (h: Record<string, unknown>) => {
      if (h['grpc-status'] !== undefined) grpcStatus = Number(h['grpc-status']);
      if (typeof h['grpc-message'] === 'string')
        grpcMessage = decodeURIComponent(h['grpc-message']);
    };
    req.on('response', (h) => {
      httpStatus = Number(h[':status']);
      status(h);
    });
    req.on('trailers', (h) => status(h));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', reject);
    req.on('close', () => {
      const all = Buffer.concat(chunks);
      resolve({
        httpStatus,
        grpcStatus,
        grpcMessage,
        message: all.length >= 5 ? all.subarray(5, 5 + all.readUInt32BE(1)) : null,
      });
    });
    req.end(body);
  });
}

/** Decodes CheckResponse bytes (for readable assertions). */
export function decodeCheckResponse(bytes: Buffer): {
  status?: { code?: number };
  ok_response?: unknown;
  denied_response?: { status?: { code?: string } };
} {
  const def = serviceDefinitions().authorization.Check as grpc.MethodDefinition<unknown, object>;
  return def.responseDeserialize(bytes) as ReturnType<typeof decodeCheckResponse>;
}

export { grpc };

// One port, two transports: the Check streams of a bound grpc-js server go to the lean handler
// (lean-check.ts), every other stream (ADS, health, unknown methods) to grpc-js as before. The
// demultiplexing is per HTTP/2 stream on grpc-js's own HTTP/2 server, so sessions, TLS, settings,
// keepalive and shutdown stay grpc-js's. grpc-js keeps its HTTP/2 servers in a private map
// (`http2Servers`, @grpc/grpc-js 1.14); when that shape is not there nothing is rerouted and
// grpc-js serves Check as before (the return value says how many servers were rerouted, and
// `portcullis start` logs which transport serves Check).
import type {
  Http2SecureServer,
  Http2Server,
  IncomingHttpHeaders,
  ServerHttp2Stream,
} from 'node:http2';
import type * as grpc from '@grpc/grpc-js';
import { CHECK_PATH, type CheckStreamHandler } from './lean-check.js';

type AnyHttp2Server = Http2Server | Http2SecureServer;
type StreamListener = (...args: unknown[]) => void;

const rerouted = new WeakSet<AnyHttp2Server>();

/** Call after bindAsync resolved. Returns the number of HTTP/2 servers now routing Checks. */
export function routeCheckStreams(server: grpc.Server, handler: CheckStreamHandler): number {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map)) return 0;
  let count = 0;
  for (const h2 of servers.keys() as IterableIterator<AnyHttp2Server>) {
    if (typeof h2?.listeners !== 'function') continue;
    if (rerouted.has(h2)) {
      count++;
      continue;
    }
    const grpcJs = h2.listeners('stream') as StreamListener[];
    if (grpcJs.length === 0) continue;
    h2.removeAllListeners('stream');
    (h2 as Http2Server).on(
      'stream',
      (
        stream: ServerHttp2Stream,
        headers: IncomingHttpHeaders,
        flags: number,
        rawHeaders: string[],
      ) => {
        if (headers[':path'] === CHECK_PATH) {
          handler(stream, headers, flags, rawHeaders);
          return;
        }
        for (const l of grpcJs) l.call(h2, stream, headers, flags, rawHeaders);
      },
    );
    rerouted.add(h2);
    count++;
  }
  return count;
}

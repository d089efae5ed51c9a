// The architecture's limit for the e2e bench: a no-op ext_authz Check server on bare
// `node:http2` (no grpc-js, no protobuf decoding) answering every Check with one fixed OK
// CheckResponse. Envoy + this server is the best any Node Check server can do behind the same
// ext_authz filter. Run as its own process (`node noop-check-h2.js`) so its CPU is measured
// apart; it prints its port on stdout. Plain text, loopback only (a bench double).
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, constants as h2 } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { argv } from 'node:process';
import { fileURLToPath } from 'node:url';

/**
 * CheckResponse{status: {}, ok_response: {}} as one gRPC message: the 5-byte frame header
 * (uncompressed, length 4) and fields 1 (status) and 3 (ok_response), both empty messages.
 */
export const OK_CHECK_RESPONSE = Buffer.from([0, 0, 0, 0, 4, 0x0a, 0x00, 0x1a, 0x00]);

/** Serves the no-op on 127.0.0.1:`port` (0: any); resolves to the bound port. */
export async function startNoopCheckServer(port = 0): Promise<{
  port: number;
  close(): Promise<void>;
}> {
  const server = createServer({
    // Envoy multiplexes every Check on few connections and resets streams freely.
    settings: { maxConcurrentStreams: 1 << 20 },
    streamResetBurst: 1_000_000,
    streamResetRate: 100_000,
  } as Parameters<typeof createServer>[0]);
  server.on('stream', (stream) => {
    stream.on('error', () => undefined);
    // The request body is drained, not read: the answer does not depend on it.
    stream.resume();
    stream.on('end', () => {
      if (stream.destroyed || stream.closed) return;
      stream.respond(
        { [h2.HTTP2_HEADER_STATUS]: 200, 'content-type': 'application/grpc' },
        { waitForTrailers: true },
      );
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(OK_CHECK_RESPONSE);
    });
  });
  server.on('sessionError', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The no-op in a process of its own (its CPU measured apart); resolves once it listens. */
export async function spawnNoopCheck(): Promise<{
  port: number;
  pid: number;
  child: ChildProcess;
}> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`no-op Check server exited with ${code}`)));
    child.stdout!.once('data', (d) => resolve(Number(String(d).trim())));
  });
  return { port, pid: child.pid!, child };
}

if (argv[1] === fileURLToPath(import.meta.url)) {
  const { port } = await startNoopCheckServer(Number(argv[2] ?? 0));
  process.stdout.write(`${port}\n`);
}

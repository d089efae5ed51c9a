// h2load (nghttp2, C) against the authz bench's server children (bench/authz.bench.ts): the
// gRPC request bodies, a check that each body is allowed where it is sent, and one h2load run
// with the server child's CPU per Check.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { serviceDefinitions } from '../../authz/grpc/grpc-services.js';
import { type CheckResponseObject, checkClient } from '../../test/helpers/check-client.js';
import { benchCheckRequest } from './check-request.js';

export const H2LOAD = '/usr/bin/h2load';
const pinnable = existsSync('/usr/bin/taskset');

/** What h2load needs of a bench server child. */
export interface H2loadServer {
  readonly port: number;
  /** tls mode: the service JWT callers send ('' in plain text). */
  readonly jwt: string;
  /** The child's CPU time so far, µs. */
  cpu(): Promise<number>;
}

/**
 * One CheckRequest as a gRPC message body (5-byte frame header + protobuf) in a temp file of its
 * own per `label`: each server has its own secret, so a body made for one server carries a
 * session another server refuses (the plain row once measured the TLS server's body: every
 * Check a denial).
 */
export function grpcBody(dir: string, label: string, routeIndex: number, token: string): string {
  const def = serviceDefinitions().authorization.Check as grpc.MethodDefinition<object, unknown>;
  const msg = def.requestSerialize(benchCheckRequest(routeIndex, token));
  const frame = Buffer.alloc(5 + msg.length);
  frame.writeUInt32BE(msg.length, 1);
  msg.copy(frame, 5);
  const file = join(dir, `check-${label}-${routeIndex}.bin`);
  writeFileSync(file, frame);
  return file;
}

/** The CheckRequest in a body file of grpcBody(). */
export function bodyRequest(file: string): object {
  const def = serviceDefinitions().authorization.Check as grpc.MethodDefinition<object, unknown>;
  return def.requestDeserialize(readFileSync(file).subarray(5));
}

/**
 * Sends the request once with grpc-js and checks the answer is an OK CheckResponse (over TLS with
 * the service JWT when `tls` is given: the TLS row must measure allowed Checks, not refusals).
 */
export async function assertAllowed(
  port: number,
  req: object,
  tls?: { readonly jwt: string; readonly ca: string },
): Promise<void> {
  const client = checkClient(
    `127.0.0.1:${port}`,
    tls ? grpc.credentials.createSsl(Buffer.from(tls.ca)) : undefined,
    tls ? { 'grpc.ssl_target_name_override': 'localhost' } : {},
  );
  const md = new grpc.Metadata();
  if (tls) md.set('jwt', tls.jwt);
  const res = await new Promise<CheckResponseObject>((resolve, reject) =>
    client.check(req, md, (e, r) => (e ? reject(e) : resolve(r))),
  );
  client.close();
  if (res.status?.code !== 0 || !res.ok_response)
    throw new Error('the bench request is not allowed');
}

export interface H2loadResult {
  readonly rps: number;
  readonly done: number;
  readonly failed: number;
  /** Server CPU (user + system) per Check done, µs; warm-up included on every server alike. */
  readonly cpuUsPerCheck: number;
}

/** Saturates the server with h2load (nghttp2, C) on the other core: the server is the bottleneck. */
export async function h2load(
  server: H2loadServer,
  body: string,
  seconds: number,
  connections = 4,
  /** Checks per second per connection (h2load --rps); default: as fast as the server answers. */
  rps?: number,
): Promise<H2loadResult> {
  const scheme = server.jwt === '' ? 'http' : 'https';
  const args = [
    ...(pinnable ? ['-c', '1', H2LOAD] : []),
    '-c',
    String(connections),
    '-m',
    '32',
    '-t',
    '1',
    '-D',
    String(seconds),
    '--warm-up-time',
    '1',
    ...(rps === undefined ? [] : ['--rps', String(rps)]),
    '-H',
    'content-type: application/grpc',
    '-H',
    'te: trailers',
    ...(server.jwt === '' ? [] : ['-H', `jwt: ${server.jwt}`]),
    '-d',
    body,
    `${scheme}://127.0.0.1:${server.port}/envoy.service.auth.v3.Authorization/Check`,
  ];
  const cpu0 = await server.cpu();
  const c = spawn(pinnable ? '/usr/bin/taskset' : H2LOAD, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  c.stdout?.on('data', (d) => {
    out += String(d);
  });
  c.stderr?.on('data', (d) => {
    out += String(d);
  });
  await new Promise((resolve) => c.once('exit', resolve));
  const fin = /finished in ([\d.]+)(m?s), ([\d.]+) req\/s/.exec(out);
  const req =
    /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored/.exec(
      out,
    );
  if (!fin || !req) throw new Error(`h2load output not understood:\n${out}`);
  const cpu1 = await server.cpu();
  const done = Number(req[3]);
  return {
    rps: Number(fin[3]),
    done,
    failed: Number(req[5]) + Number(req[6]),
    cpuUsPerCheck: (cpu1 - cpu0) / Math.max(1, done),
  };
}

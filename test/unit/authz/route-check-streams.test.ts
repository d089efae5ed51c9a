// The lean Check transport takes over only the Check streams of a bound grpc-js server, and
// reroutes nothing (grpc-js keeps serving Check) when grpc-js's internals are not what it expects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { routeCheckStreams } from '../../../authz/grpc/route-check-streams.js';

const handler = () => undefined;

test("a server without grpc-js's HTTP/2 server map is left to grpc-js", () => {
  assert.equal(routeCheckStreams({} as grpc.Server, handler), 0);
  assert.equal(routeCheckStreams({ http2Servers: [] } as unknown as grpc.Server, handler), 0);
});

test('an unbound grpc-js server has nothing to reroute; a bound one is rerouted once', async () => {
  const server = new grpc.Server();
  assert.equal(routeCheckStreams(server, handler), 0);
  await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  try {
    assert.equal(routeCheckStreams(server, handler), 1);
    // A second call does not wrap the wrapper.
    assert.equal(routeCheckStreams(server, handler), 1);
  } finally {
    server.forceShutdown();
  }
});

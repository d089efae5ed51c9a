// The lean Check transport (authz/grpc/lean-check.ts) against grpc-js on the same AuthzServer:
// a corpus of CheckRequests gives byte-identical CheckResponses through both; hostile gRPC
// framing is refused with a status and the connection keeps serving; health, unknown methods and
// ADS stay grpc-js's on the same port; caller authentication over TLS refuses and admits exactly
// what the grpc-js interceptor does (hostile table).
import assert from 'node:assert/strict';
import type { ClientHttp2Session } from 'node:http2';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import {
  authenticateCheckStreams,
  authenticateGrpcCallers,
} from '../../../cli/lib/authenticate-grpc-callers.js';
import { createGrpcServerCredentials } from '../../../cli/lib/grpc-server-credentials.js';
import { createGrpcServer } from '../../../cli/lib/start-grpc-server.js';
import { issueCertificate, issueCertificateAuthority } from '../../../envoy/index.js';
import { signGrpcServiceToken } from '../../../wire/index.js';
import { type AuthzHarness, fixture, startAuthzHarness } from '../../helpers/authz-harness.js';
import {
  decodeCheckResponse,
  encodeCheckRequest,
  grpc,
  grpcFrame,
  openSession,
  rawCall,
} from '../../helpers/raw-grpc.js';
import { ROUTES_YAML } from './routes.js';

let h: AuthzHarness;
let grpcJs: grpc.Server;
let lean: ClientHttp2Session;
let plain: ClientHttp2Session;

before(async () => {
  // The harness serves Check on the lean transport (listen()'s default); a second server on the
  // same AuthzServer serves it with grpc-js.
  // A frozen clock: answers that carry a time (signed sign-in URLs, in seconds) are the same
  // bytes whichever second each transport answered in.
  const frozen = Date.now();
  h = await startAuthzHarness({ yaml: ROUTES_YAML, now: () => frozen });
  grpcJs = new grpc.Server();
  h.authz.addTo(grpcJs);
  const port = await new Promise<number>((resolve, reject) =>
    grpcJs.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  lean = await openSession(`http://127.0.0.1:${h.port}`);
  plain = await openSession(`http://127.0.0.1:${port}`);
});
after(async () => {
  lean?.close();
  plain?.close();
  grpcJs?.forceShutdown();
  await h?.close();
});

/** The corpus: every kind of answer authz gives (allow, redirect, 401, 403, 404, 400, 503-free). */
async function corpus(): Promise<[string, object][]> {
  const alice = await h.signIn({
    email: 'alice@example.com',
    groups: ['eng'],
    claims: { department: ['engineering'], roles: ['admin', 'viewer'] },
  });
  const mallory = await h.signIn({ email: 'mallory@evil.test' });
  const cookie = (name: string, token: string, edit?: (f: ReturnType<typeof fixture>) => void) =>
    fixture(name, (f) => {
      f.attributes.request.http.headers.cookie = `_pomerium=${token}`;
      edit?.(f);
    });
  return [
    ['signed-in browser GET', cookie('browser-get', alice.token)],
    ['signed-in API GET', cookie('api-get', alice.token)],
    ['signed-in gRPC call', cookie('grpc-call', alice.token)],
    ['wrong domain (403)', cookie('browser-get', mallory.token)],
    ['no session, browser (redirect)', fixture('browser-get')],
    ['no session, API (401)', fixture('api-get')],
    ['no session, gRPC', fixture('grpc-call')],
    [
      'public route',
      fixture('browser-get', (f) => {
        f.attributes.context_extensions = { internal: 'false', route_id: 'public' };
        f.attributes.request.http.host = 'public.example.com';
        f.attributes.request.http.headers[':authority'] = 'public.example.com';
      }),
    ],
    [
      'quiet route, signed in',
      cookie('browser-get', alice.token, (f) => {
        f.attributes.context_extensions = { internal: 'false', route_id: 'quiet' };
        f.attributes.request.http.host = 'quiet.example.com';
      }),
    ],
    [
      'unknown route id',
      fixture('browser-get', (f) => {
        f.attributes.context_extensions = { internal: 'false', route_id: 'nope' };
      }),
    ],
    [
      'internal route',
      fixture('browser-get', (f) => {
        f.attributes.context_extensions = { internal: 'true', route_id: '' };
        f.attributes.request.http.path = '/.pomerium/';
      }),
    ],
    [
      'dot segments in the path (400)',
      fixture('browser-get', (f) => {
        f.attributes.request.http.path = '/a/%2e%2e/b';
      }),
    ],
    [
      'second authority in Host',
      fixture('browser-get', (f) => {
        f.attributes.request.http.headers.host = 'evil.example.net';
      }),
    ],
    [
      'forged identity headers, signed in',
      cookie('browser-get', alice.token, (f) => {
        f.attributes.request.http.headers['x-pomerium-jwt-assertion'] = 'forged';
        f.attributes.request.http.headers['x-pomerium-claim-email'] = 'root@example.com';
      }),
    ],
    [
      'header_map with raw_value',
      fixture('browser-get', (f) => {
        const headers = f.attributes.request.http.headers;
        f.attributes.request.http.headers = {};
        f.attributes.request.http.header_map = {
          headers: [
            ...Object.entries(headers).map(([key, value]) => ({
              key,
              raw_value: Buffer.from(value),
            })),
            { key: 'cookie', raw_value: Buffer.from(`_pomerium=${alice.token}`) },
          ],
        };
      }),
    ],
    [
      'POST with a long query',
      cookie('api-get', alice.token, (f) => {
        f.attributes.request.http.method = 'POST';
        f.attributes.request.http.path = `/api/items?${'q=1&'.repeat(500)}x=%ff`;
      }),
    ],
    [
      'a peer certificate without a CA on the route',
      fixture('mtls-valid', (f) => {
        f.attributes.context_extensions = { internal: 'false', route_id: 'app' };
        f.attributes.request.http.host = 'app.example.com';
      }),
    ],
    ['no HTTP attributes', {}],
  ];
}

describe('differential: grpc-js and the lean transport', () => {
  test('the same CheckRequests give byte-identical CheckResponses through both transports', async () => {
    const cases = await corpus();
    const outcomes = new Set<string>();
    for (const [name, request] of cases) {
      const body = grpcFrame(encodeCheckRequest(request));
      // Twice each way: the second answer of an allow comes from the encoder's byte cache.
      for (let round = 0; round < 2; round++) {
        const viaGrpcJs = await rawCall(plain, body);
        const viaLean = await rawCall(lean, body);
        assert.equal(viaLean.httpStatus, 200, name);
        assert.equal(viaLean.grpcStatus, viaGrpcJs.grpcStatus, name);
        assert.ok(viaGrpcJs.message, `${name}: grpc-js sent no message`);
        assert.ok(viaLean.message, `${name}: lean sent no message`);
        assert.equal(
          viaLean.message.toString('hex'),
          viaGrpcJs.message.toString('hex'),
          `${name}: the CheckResponse bytes differ`,
        );
        const decoded = decodeCheckResponse(viaLean.message);
        outcomes.add(
          decoded.ok_response ? 'allow' : String(decoded.denied_response?.status?.code ?? '?'),
        );
      }
    }
    // The corpus covers allow and each kind of denial.
    for (const o of ['allow', 'Found', 'Unauthorized', 'Forbidden', 'NotFound', 'BadRequest']) {
      assert.ok(outcomes.has(o), `the corpus has no ${o} answer (has ${[...outcomes].join(', ')})`);
    }
  });

  test('malformed protobuf is an INTERNAL status on both transports, not a decision', async () => {
    const body = grpcFrame(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    const a = await rawCall(plain, body);
    const b = await rawCall(lean, body);
    assert.equal(a.grpcStatus, grpc.status.INTERNAL);
    assert.equal(b.grpcStatus, grpc.status.INTERNAL);
    assert.equal(b.message, null);
  });
});

describe('hostile gRPC framing on the lean transport', () => {
  const ok = () => grpcFrame(encodeCheckRequest(fixture('browser-get')));
  const table: {
    name: string;
    body: () => Buffer;
    headers?: Record<string, string>;
    status?: number;
    http?: number;
  }[] = [
    {
      name: 'a compressed message',
      body: () => {
        const b = ok();
        b[0] = 1;
        return b;
      },
      headers: { 'grpc-encoding': 'gzip' },
      status: grpc.status.UNIMPLEMENTED,
    },
    { name: 'no message', body: () => Buffer.alloc(0), status: grpc.status.UNIMPLEMENTED },
    {
      name: 'a truncated prefix',
      body: () => Buffer.from([0, 0, 0]),
      status: grpc.status.UNIMPLEMENTED,
    },
    {
      name: 'a truncated message',
      body: () => ok().subarray(0, 20),
      status: grpc.status.UNIMPLEMENTED,
    },
    {
      name: 'two messages on a unary call',
      body: () => Buffer.concat([ok(), ok()]),
      status: grpc.status.UNIMPLEMENTED,
    },
    {
      name: 'a length prefix over 4 MiB',
      body: () => grpcFrame(Buffer.alloc(4 * 1024 * 1024 + 1)),
      status: grpc.status.RESOURCE_EXHAUSTED,
    },
    {
      name: 'a malformed grpc-timeout',
      body: ok,
      headers: { 'grpc-timeout': '999999999S' },
      status: grpc.status.OUT_OF_RANGE,
    },
    {
      name: 'a deadline already past (1 ns)',
      body: ok,
      headers: { 'grpc-timeout': '1n' },
      status: grpc.status.DEADLINE_EXCEEDED,
    },
    {
      name: 'a content type that is not gRPC',
      body: ok,
      headers: { 'content-type': 'application/json' },
      http: 415,
    },
  ];
  for (const c of table) {
    test(`${c.name} is refused with ${c.status === undefined ? `HTTP ${c.http}` : `gRPC status ${c.status}`} and the connection keeps serving`, async () => {
      const res = await rawCall(lean, c.body(), c.headers ?? {});
      if (c.status !== undefined) {
        assert.equal(res.grpcStatus, c.status, res.grpcMessage);
        assert.equal(res.message, null);
      } else {
        assert.equal(res.httpStatus, c.http);
      }
      const after = await rawCall(lean, ok());
      assert.equal(after.grpcStatus, 0);
      assert.ok(after.message);
    });
  }

  test('a client that resets its Checks mid-request and mid-answer leaves the connection serving', async () => {
    const body = ok();
    for (let i = 0; i < 200; i++) {
      const req = lean.request({
        ':method': 'POST',
        ':path': '/envoy.service.auth.v3.Authorization/Check',
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      req.on('error', () => undefined);
      if (i % 2 === 0) {
        req.write(body.subarray(0, 7));
        req.close(8); // CANCEL before the message is complete
      } else {
        req.end(body);
        setImmediate(() => req.close(8)); // CANCEL while the answer may be on its way
      }
    }
    const res = await rawCall(lean, body);
    assert.equal(res.grpcStatus, 0);
    assert.ok(res.message);
  });

  test('health and unknown methods on the same port are still served by grpc-js', async () => {
    const health = await rawCall(
      lean,
      grpcFrame(Buffer.alloc(0)),
      {},
      '/grpc.health.v1.Health/Check',
    );
    assert.equal(health.grpcStatus, 0);
    assert.deepEqual([...(health.message ?? [])], [0x08, 0x01]); // status: SERVING
    const unknown = await rawCall(lean, ok(), {}, '/envoy.service.auth.v3.Authorization/Nope');
    assert.equal(unknown.grpcStatus, grpc.status.UNIMPLEMENTED);
  });

  test('the Checks above were answered by the lean transport (metrics)', () => {
    const m = /^portcullis_authz_lean_checks_total (\d+)$/m.exec(h.authz.metrics());
    assert.ok(m && Number(m[1]) > 0, 'no Check was served by the lean transport');
  });
});

describe('caller authentication over TLS: the lean transport refuses what grpc-js refuses', () => {
  const ca = issueCertificateAuthority('lean test CA');
  const otherCa = issueCertificateAuthority('another CA');
  const serverCert = issueCertificate(ca, {
    commonName: 'localhost',
    hosts: ['localhost', '127.0.0.1'],
    usage: 'server',
  });
  const goodClient = issueCertificate(ca, { commonName: 'envoy', usage: 'client' });
  const strangerClient = issueCertificate(otherCa, { commonName: 'envoy', usage: 'client' });
  const logger = pino({ level: 'silent' });
  let jwtKey: Uint8Array;
  const servers: grpc.Server[] = [];
  const ports: Record<'grpcJs' | 'lean', number> = { grpcJs: 0, lean: 0 };

  before(async () => {
    jwtKey = h.keys.grpcKey;
    for (const which of ['grpcJs', 'lean'] as const) {
      const server = createGrpcServer([authenticateGrpcCallers({ jwtKey, logger })]);
      h.authz.addTo(server);
      const creds = createGrpcServerCredentials({
        serverPairs: [serverCert],
        clientCas: [ca.cert],
      }).credentials;
      ports[which] = await new Promise<number>((resolve, reject) =>
        server.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? reject(e) : resolve(p))),
      );
      if (which === 'lean') {
        assert.equal(h.authz.routeChecks(server, authenticateCheckStreams({ jwtKey, logger })), 1);
      }
      servers.push(server);
    }
  });
  after(() => {
    for (const s of servers) s.forceShutdown();
  });

  const good = () => signGrpcServiceToken(jwtKey, { lifetimeMs: 60_000 });
  const table: {
    name: string;
    cert?: { cert: string; key: string };
    jwt?: () => string | string[];
    admitted: boolean;
  }[] = [
    { name: 'nothing', admitted: false },
    { name: 'a good service JWT', jwt: good, admitted: true },
    { name: 'a client certificate from grpc_client_ca', cert: goodClient, admitted: true },
    { name: 'a client certificate from another CA', cert: strangerClient, admitted: false },
    {
      name: 'a certificate from another CA and a good JWT',
      cert: strangerClient,
      jwt: good,
      admitted: true,
    },
    { name: 'a malformed JWT', jwt: () => 'x.y.z', admitted: false },
    {
      name: 'a JWT signed with another key',
      jwt: () => signGrpcServiceToken(new Uint8Array(32).fill(7), { lifetimeMs: 60_000 }),
      admitted: false,
    },
    {
      name: 'an expired JWT',
      jwt: () => signGrpcServiceToken(jwtKey, { lifetimeMs: -120_000 }),
      admitted: false,
    },
    {
      name: 'a JWT living too long',
      jwt: () => signGrpcServiceToken(jwtKey, { lifetimeMs: 10 * 24 * 3600_000 }),
      admitted: false,
    },
    { name: 'two good JWTs', jwt: () => [good(), good()], admitted: false },
    { name: 'an empty JWT', jwt: () => '', admitted: false },
  ];
  for (const c of table) {
    test(`a caller with ${c.name} is ${c.admitted ? 'admitted' : 'refused'} by both transports alike`, async () => {
      const body = grpcFrame(encodeCheckRequest(fixture('api-get')));
      const answers = [];
      for (const which of ['grpcJs', 'lean'] as const) {
        const session = await openSession(`https://127.0.0.1:${ports[which]}`, {
          ca: ca.cert,
          servername: 'localhost',
          ...(c.cert ? { cert: c.cert.cert, key: c.cert.key } : {}),
        });
        try {
          answers.push(await rawCall(session, body, c.jwt ? { jwt: c.jwt() } : {}));
        } finally {
          session.close();
        }
      }
      const [viaGrpcJs, viaLean] = answers as [
        Awaited<ReturnType<typeof rawCall>>,
        Awaited<ReturnType<typeof rawCall>>,
      ];
      const expected = c.admitted ? 0 : grpc.status.UNAUTHENTICATED;
      assert.equal(viaGrpcJs.grpcStatus, expected, `grpc-js: ${viaGrpcJs.grpcMessage}`);
      assert.equal(viaLean.grpcStatus, expected, `lean: ${viaLean.grpcMessage}`);
      assert.equal(viaLean.grpcMessage, viaGrpcJs.grpcMessage);
      assert.equal(viaLean.message === null, !c.admitted);
      if (c.admitted)
        assert.equal(viaLean.message!.toString('hex'), viaGrpcJs.message!.toString('hex'));
    });
  }
});

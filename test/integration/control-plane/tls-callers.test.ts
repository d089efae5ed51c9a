// Every internal hop authenticated and encrypted: `portcullis start` (all-in-one, a real Envoy
// from ENVOY_BIN) serves authorize Check and ADS over TLS; its Envoy verifies the server and
// presents its client certificate, so routes work end to end. A caller without credentials,
// with a certificate from another CA, or with a bad/expired/long-lived service JWT gets
// UNAUTHENTICATED from Check and from ADS — no decision, no snapshot — and a log line; a good
// client certificate or service JWT gets answers; health stays open.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { connect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { generateTlsFiles } from '../../../cli/commands/generate-tls-files.js';
import { parseConfigText } from '../../../config/index.js';
import {
  buildBootstrap,
  issueCertificate,
  issueCertificateAuthority,
} from '../../../envoy/index.js';
import {
  type PortcullisProcess,
  spawnPortcullis,
} from '../../../examples/split-mode/spawn-portcullis.js';
import { loadGrpcObject, serviceProtoFiles } from '../../../protos/index.js';
import { deriveKeys, signGrpcServiceToken } from '../../../wire/index.js';
import { tempDir } from '../../helpers/config-fixtures.js';
import {
  type CallerCredentials,
  callAds,
  callCheck,
  callHealth,
  checkRequest,
} from '../../helpers/control-plane-clients.js';
import { freePorts } from '../../helpers/free-port.js';
import { envoyBin, httpGet, launchEnvoy } from '../../helpers/spawn-envoy.js';

const SECRET = 'ubxqVmfhHrgk7ZbQZlJReG8m0v5lsHiv3D82jxaPrZM=';
const OTHER_SECRET = 'qIJ1BVzrPKysZsGqW55c+3Cn4vajtTviZSMXQqQn0sA=';

let p: PortcullisProcess;
/** Every log line (lines keeps only the last 200). */
const lines: string[] = [];
let grpcAddress: string;
let envoyPort: number;
let serverCa: string;
let clientCert: { cert: string; key: string };
let configDir: string;
let configFile: string;

before(async () => {
  const dir = tempDir();
  configDir = dir;
  generateTlsFiles({ dir: join(dir, 'tls'), names: [], configDir: dir });
  const read = (f: string) => readFileSync(join(dir, 'tls', f), 'utf8');
  serverCa = read('ca.pem');
  clientCert = { cert: read('client.pem'), key: read('client-key.pem') };
  const [grpcPort, httpPort] = await freePorts(2);
  grpcAddress = `127.0.0.1:${grpcPort}`;
  envoyPort = httpPort!;
  const file = join(dir, 'config.yaml');
  configFile = file;
  writeFileSync(
    file,
    `services: all
insecure_server: true
address: 127.0.0.1:${httpPort}
grpc_address: ${grpcAddress}
grpc_insecure: false
authenticate_service_url: http://authenticate.localhost:${httpPort}
idp_provider_url: http://127.0.0.1:9
idp_client_id: c
idp_client_secret: s
shared_secret: ${SECRET}
cookie_secure: false
certificate_authority_file: tls/ca.pem
certificate_file: tls/server.pem
certificate_key_file: tls/server-key.pem
grpc_client_ca_file: tls/ca.pem
grpc_client_certificate_file: tls/client.pem
grpc_client_certificate_key_file: tls/client-key.pem
routes:
  - id: public
    from: http://public.localhost:${httpPort}
    response: {status: 200, body: hello}
    allow_public_unauthenticated_access: true
  - id: admin
    from: http://admin.localhost:${httpPort}
    response: {status: 200, body: secret}
    policy: {allow: {and: [{email: {is: alice@example.com}}]}}
`,
  );
  p = await spawnPortcullis({
    name: 'tls',
    configFile: file,
    env: { ENVOY_BIN: envoyBin() },
    onLine: (_, line) => lines.push(line),
  });
});

after(async () => {
  await p?.stop();
});

test('Envoy reaches authorize and ADS over TLS with its client certificate: routes are decided end to end', async () => {
  const pub = await httpGet(envoyPort, `public.localhost:${envoyPort}`, '/');
  assert.equal(pub.status, 200);
  assert.equal(pub.body, 'hello');
  const admin = await httpGet(envoyPort, `admin.localhost:${envoyPort}`, '/', {
    accept: 'text/html',
  });
  assert.equal(admin.status, 302, 'a decision from authz: sign in');
  assert.ok(!lines.some((l) => /GRPC_UNAUTHENTICATED/.test(l)), 'Envoy was never refused');
});

const now = Date.now();
const key = deriveKeys(SECRET).grpcKey;
const rogueCa = issueCertificateAuthority('Rogue CA');
const rogueClient = issueCertificate(rogueCa, { commonName: 'portcullis-envoy', usage: 'client' });
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

const HOSTILE: readonly { name: string; creds: () => Omit<CallerCredentials, 'serverCa'> }[] = [
  { name: 'no credentials at all', creds: () => ({}) },
  { name: 'a client certificate from another CA', creds: () => ({ clientCert: rogueClient }) },
  {
    name: 'an expired service JWT',
    creds: () => ({ jwt: signGrpcServiceToken(key, { now: now - 600_000, lifetimeMs: 60_000 }) }),
  },
  {
    name: 'a service JWT signed with another shared_secret',
    creds: () => ({ jwt: signGrpcServiceToken(deriveKeys(OTHER_SECRET).grpcKey) }),
  },
  {
    name: 'a service JWT valid for a day (not short-lived)',
    creds: () => ({ jwt: signGrpcServiceToken(key, { lifetimeMs: 86_400_000 }) }),
  },
  {
    name: 'an unsigned JWT (alg none)',
    creds: () => ({
      jwt: `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ exp: Math.floor(now / 1000) + 60 })}.`,
    }),
  },
  {
    name: 'a service JWT carrying extra claims',
    creds: () => {
      const good = signGrpcServiceToken(key).split('.');
      return { jwt: `${good[0]}.${b64({ exp: 1, sub: 'admin' })}.${good[2]}` };
    },
  },
  { name: 'garbage in the jwt metadata', creds: () => ({ jwt: 'not-a-jwt' }) },
];

for (const h of HOSTILE) {
  test(`a caller with ${h.name} gets UNAUTHENTICATED from Check and from ADS, and nothing else`, async () => {
    const before = lines.length;
    const creds = { serverCa, ...h.creds() };
    const check = await callCheck(grpcAddress, creds, checkRequest('admin'));
    assert.equal(check.code, grpc.status.UNAUTHENTICATED);
    assert.deepEqual(check.data, [], 'no decision');
    const ads = await callAds(grpcAddress, creds);
    assert.equal(ads.code, grpc.status.UNAUTHENTICATED);
    assert.deepEqual(ads.data, [], 'no snapshot');
    // Log lines are batched (flushed within 200 ms): wait for both.
    const logged = () => lines.slice(before).filter((l) => /"code":"GRPC_UNAUTHENTICATED"/.test(l));
    const both = () =>
      logged().some((l) => /Authorization\/Check/.test(l)) &&
      logged().some((l) => /StreamAggregatedResources/.test(l));
    for (let i = 0; i < 200 && !both(); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(both(), `the Check and the ADS refusals are logged:\n${logged().join('\n')}`);
  });
}

test('a caller with the CA client certificate gets a decision and a snapshot', async () => {
  const creds = { serverCa, clientCert };
  const check = await callCheck(grpcAddress, creds, checkRequest('admin'));
  assert.equal(check.code, grpc.status.OK);
  assert.equal(check.data.length, 1);
  const ads = await callAds(grpcAddress, creds);
  assert.equal(ads.code, grpc.status.OK);
  assert.equal(ads.data.length, 1);
});

test('a caller with a short-lived service JWT from shared_secret gets a decision and a snapshot', async () => {
  const creds = { serverCa, jwt: signGrpcServiceToken(key, { lifetimeMs: 300_000 }) };
  assert.equal((await callCheck(grpcAddress, creds, checkRequest('admin'))).code, grpc.status.OK);
  assert.equal((await callAds(grpcAddress, creds)).code, grpc.status.OK);
});

test('a caller that does not trust the server certificate (another CA) gets nothing', async () => {
  const creds = { serverCa: rogueCa.cert, clientCert };
  const check = await callCheck(grpcAddress, creds, checkRequest('admin'));
  assert.equal(check.code, grpc.status.UNAVAILABLE);
  assert.deepEqual(check.data, []);
  const ads = await callAds(grpcAddress, creds);
  assert.equal(ads.code, grpc.status.UNAVAILABLE);
  assert.deepEqual(ads.data, []);
});

for (const c of [
  { name: 'without a client certificate', ca: () => serverCa, client: false },
  { name: 'that does not trust the server certificate', ca: () => rogueCa.cert, client: true },
]) {
  test(`an Envoy ${c.name} fails closed: 503 for a public route, never the upstream`, async () => {
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    const { config } = parseConfigText(
      `insecure_server: true
address: 127.0.0.1:0
certificate_authority: ${b64(c.ca())}
${c.client ? `grpc_client_certificate: ${b64(clientCert.cert)}\ngrpc_client_certificate_key: ${b64(clientCert.key)}` : ''}
routes:
  - id: public
    from: http://public.localhost
    response: {status: 200, body: hello}
    allow_public_unauthenticated_access: true
    # passes identity headers, so it keeps its Check (docs/public-routes.md): authz is asked
    pass_identity_headers: true
`,
      { file: join(configDir, 'envoy-test.yaml'), env: {} },
    );
    const [host, port] = grpcAddress.split(':') as [string, string];
    const result = buildBootstrap(config, {
      authz: [{ host, port: Number(port), tls: true }],
      authn: { host: '127.0.0.1', port: 9 },
      adminPort: 0,
    });
    assert.ok(result.ok);
    const envoy = await launchEnvoy(result.bootstrap);
    const seen = lines.length;
    try {
      const listen = (await envoy.ports())['http-ingress']!;
      const r = await httpGet(listen, 'public.localhost', '/');
      assert.equal(r.status, 503);
      assert.notEqual(r.body, 'hello');
      if (!c.client) {
        const refused = () =>
          lines.slice(seen).some((l) => /GRPC_UNAUTHENTICATED.*Authorization\/Check/.test(l));
        for (let i = 0; i < 100 && !refused(); i++) await new Promise((r) => setTimeout(r, 50));
        assert.ok(refused(), 'authorize refused the Check as unauthenticated');
      }
    } finally {
      await envoy.stop();
    }
  });
}

test('gRPC health answers any TLS caller (it carries no decision and no config)', async () => {
  const health = await callHealth(grpcAddress, { serverCa });
  assert.equal(health.code, grpc.status.OK);
  assert.deepEqual(health.data, [{ status: 'SERVING' }]);
});

test('a plain-text client cannot talk to the TLS port', async () => {
  const Client = grpc.makeGenericClientConstructor({}, 'X');
  const client = new Client(grpcAddress, grpc.credentials.createInsecure());
  const ready = await new Promise<boolean>((resolve) =>
    client.waitForReady(Date.now() + 1500, (err) => resolve(err === undefined || err === null)),
  );
  client.close();
  assert.equal(ready, false);
});

/** The SHA-256 fingerprint of the certificate a new TLS connection to grpc_address gets. */
function serverFingerprint(): Promise<string> {
  const [host, port] = grpcAddress.split(':') as [string, string];
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host, port: Number(port), ca: serverCa, ALPNProtocols: ['h2'], servername: 'localhost' },
      () => {
        resolve(socket.getPeerCertificate().fingerprint256);
        socket.end();
      },
    );
    socket.on('error', reject);
  });
}

test('rotated certificates reach new connections on reload while open ADS streams and Envoy carry on', async () => {
  const before = await serverFingerprint();
  // An ADS stream that stays open across the rotation.
  const root = loadGrpcObject([serviceProtoFiles.ads]) as unknown as {
    envoy: {
      service: { discovery: { v3: { AggregatedDiscoveryService: grpc.ServiceClientConstructor } } };
    };
  };
  const Client = root.envoy.service.discovery.v3.AggregatedDiscoveryService;
  const client = new Client(
    grpcAddress,
    grpc.credentials.createSsl(
      Buffer.from(serverCa),
      Buffer.from(clientCert.key),
      Buffer.from(clientCert.cert),
    ),
  ) as unknown as grpc.Client & {
    StreamAggregatedResources(): grpc.ClientDuplexStream<
      unknown,
      { version_info: string; nonce: string }
    >;
  };
  const stream = client.StreamAggregatedResources();
  const versions: string[] = [];
  let ended: unknown;
  stream.on('error', (e) => {
    ended = e;
  });
  stream.on('end', () => {
    ended ??= 'end';
  });
  const cluster = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
  stream.on('data', (d) => {
    versions.push(d.version_info);
    stream.write({
      node: { id: 'rotation-watcher' },
      type_url: cluster,
      version_info: d.version_info,
      response_nonce: d.nonce,
    });
  });
  stream.write({ node: { id: 'rotation-watcher' }, type_url: cluster });
  try {
    for (let i = 0; i < 100 && versions.length === 0; i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(versions.length, 1);
    // Rotate: new server and client certificates from the same CA, then a config edit.
    generateTlsFiles({ dir: join(configDir, 'tls'), names: [], configDir });
    const seen = lines.length;
    writeFileSync(configFile, `${readFileSync(configFile, 'utf8')}# rotated\n`);
    for (
      let i = 0;
      i < 100 && !lines.slice(seen).some((l) => /"msg":"config reloaded"/.test(l));
      i++
    )
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(lines.slice(seen).some((l) => /"msg":"config reloaded"/.test(l)));
    assert.notEqual(await serverFingerprint(), before, 'new connections get the new certificate');
    // Envoy's authz cluster now presents the new client certificate: a new snapshot reached
    // the open stream, over the connection made before the rotation.
    for (let i = 0; i < 100 && versions.length < 2; i++)
      await new Promise((r) => setTimeout(r, 50));
    assert.equal(versions.length, 2, 'the open stream received the new snapshot');
    assert.equal(ended, undefined, 'the open stream was not dropped');
    const pub = await httpGet(envoyPort, `public.localhost:${envoyPort}`, '/');
    assert.equal(pub.status, 200, 'Envoy keeps deciding through authz');
  } finally {
    stream.cancel();
    client.close();
  }
});

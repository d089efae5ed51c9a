// Where Envoy finds authz and authn (docs/architecture.md), and the development certificate.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { parseConfigText } from '../../../config/index.js';
import { endpointsFromConfig, generateSelfSignedCertificate } from '../../../envoy/index.js';

const cases: { name: string; yaml: string; authz: string[]; authn: string }[] = [
  {
    name: 'all-in-one from grpc_address',
    yaml: 'grpc_address: 127.0.0.1:8081',
    authz: ['127.0.0.1:8081'],
    authn: '127.0.0.1:8082',
  },
  {
    name: 'any-address grpc_address means loopback',
    yaml: 'grpc_address: ":5443"',
    authz: ['127.0.0.1:5443'],
    authn: '127.0.0.1:5444',
  },
  {
    name: 'internal URLs win',
    yaml: 'authorize_internal_service_url: http://authz.internal:5443\nauthorize_service_url: https://authz.example.com\nauthenticate_internal_service_url: http://authn.internal',
    authz: ['authz.internal:5443'],
    authn: 'authn.internal:80',
  },
  {
    name: 'several authorize URLs are replicas',
    yaml: 'authorize_service_urls: [http://a:1, https://b]',
    authz: ['a:1', 'b:443'],
    authn: '127.0.0.1:444',
  },
];

for (const c of cases) {
  test(`endpointsFromConfig: ${c.name}`, () => {
    const { config } = parseConfigText(`${c.yaml}\n`, { file: 't.yaml', env: {} });
    const e = endpointsFromConfig(config);
    assert.deepEqual(
      e.authz.map((x) => `${x.host}:${x.port}`),
      c.authz,
    );
    assert.equal(`${e.authn.host}:${e.authn.port}`, c.authn);
  });
}

test('an https authorize URL makes the authz cluster speak verified TLS', async () => {
  const { buildSnapshot } = await import('../../../envoy/index.js');
  const { config } = parseConfigText(
    'insecure_server: true\nauthorize_service_urls: [https://authz.example.com, https://authz-2.example.com]\n',
    { file: 't.yaml', env: {} },
  );
  const e = endpointsFromConfig(config);
  assert.deepEqual(
    e.authz.map((x) => x.tls),
    [true, true],
  );
  const cluster = buildSnapshot(config, e).resources.cluster.find(
    (c) => c.name === 'portcullis-authorize',
  )!;
  const matches = cluster.resource.transport_socket_matches as {
    match: { tls_host: string };
    transport_socket: {
      typed_config: { sni: string; common_tls_context: { alpn_protocols: string[] } };
    };
  }[];
  assert.deepEqual(
    matches.map((m) => [m.match.tls_host, m.transport_socket.typed_config.sni]),
    [
      ['authz.example.com', 'authz.example.com'],
      ['authz-2.example.com', 'authz-2.example.com'],
    ],
  );
  assert.deepEqual(matches[0]!.transport_socket.typed_config.common_tls_context.alpn_protocols, [
    'h2',
  ]);
});

test('the development certificate is self-signed for the given names and IPs', () => {
  const now = new Date('2026-06-01T00:00:00Z');
  const c = generateSelfSignedCertificate(['app.localhost', '*.localhost', '127.0.0.1', '::1'], {
    now,
    days: 30,
  });
  const x = new X509Certificate(c.cert);
  assert.equal(
    x.subjectAltName,
    'DNS:app.localhost, DNS:*.localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1',
  );
  assert.ok(x.verify(x.publicKey));
  assert.ok(x.checkHost('app.localhost') !== undefined);
  assert.equal(new Date(x.validTo).getTime(), now.getTime() + 30 * 86_400_000);
});

test('devCertificateFor covers every route host and the authenticate host, and only when needed', async () => {
  const { devCertificateFor } = await import('../../../envoy/index.js');
  const cfg = (yaml: string) => parseConfigText(yaml, { file: 't.yaml', env: {} }).config;
  const routes =
    'authenticate_service_url: https://auth.example.com\nroutes:\n  - from: https://app.example.com\n    to: http://a\n  - from: https://*.apps.example.com\n    to: http://b\n';
  const cert = devCertificateFor(cfg(routes));
  assert.ok(cert !== undefined);
  assert.equal(
    new X509Certificate(cert.cert).subjectAltName,
    'DNS:app.example.com, DNS:*.apps.example.com, DNS:auth.example.com',
  );
  assert.equal(devCertificateFor(cfg(`insecure_server: true\n${routes}`)), undefined);
  assert.equal(
    devCertificateFor(cfg(`certificate_file: /c.pem\ncertificate_key_file: /k.pem\n${routes}`)),
    undefined,
  );
});

// autocert over SDS (envoy/build/build-sds-secrets.ts, docs/acme.md): the main listener names its
// certificates as SDS secrets served over ADS; a renewed certificate changes only the secret
// type's version (the listener is not replaced, so connections are not drained); the plain-HTTP
// listener sends the HTTP-01 path to authn and everything else to https.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../../config/index.js';
import {
  buildBootstrap,
  buildSnapshot,
  endpointsFromConfig,
  generateSelfSignedCertificate,
  validateSnapshot,
} from '../../../envoy/index.js';
import { SECRET_TYPE_URL, TYPE_URLS } from '../../../envoy/lib/names.js';

// biome-ignore lint/suspicious/noExplicitAny: assertions walk Envoy's generated JSON
type J = Record<string, any>;

const YAML = `
autocert: true
shared_secret: qIJ1BVzrPKysZsGqW55c+3Cn4vajtTviZSMXQqQn0sA=
routes:
  - from: https://app.example.com
    to: http://127.0.0.1:9
    allow_public_unauthenticated_access: true
  - from: https://docs.example.com
    to: http://127.0.0.1:9
    allow_public_unauthenticated_access: true
`;
const { config } = parseConfigText(YAML, { file: 't.yaml', env: {} });
const pair = (host: string) => ({ host, ...generateSelfSignedCertificate([host]) });
const opts = (certs: { host: string; cert: string; key: string }[]) => ({
  ...endpointsFromConfig(config),
  autocert: { certificates: certs },
});

test('the main listener names one SDS secret per autocert host and holds no inline certificate', () => {
  const snap = buildSnapshot(config, opts([pair('app.example.com'), pair('docs.example.com')]));
  const listener = snap.resources.listener.find((l) => l.name === 'https-ingress')!.resource as J;
  const common = listener.filter_chains[0].transport_socket.typed_config.common_tls_context;
  assert.equal(common.tls_certificates, undefined);
  assert.deepEqual(
    common.tls_certificate_sds_secret_configs.map((s: J) => s.name),
    ['autocert-app.example.com', 'autocert-docs.example.com'],
  );
  assert.deepEqual(common.tls_certificate_sds_secret_configs[0].sds_config, {
    ads: {},
    resource_api_version: 'V3',
  });
  assert.deepEqual(
    snap.secrets?.map((s) => s.name),
    ['autocert-app.example.com', 'autocert-docs.example.com'],
  );
  const v = validateSnapshot(snap);
  assert.ok(v.ok, JSON.stringify(!v.ok && v.issues));
  assert.equal(v.encoded.types.get(SECRET_TYPE_URL)?.resources.length, 2);
});

test('a renewed certificate changes the secrets version only: listeners, routes and clusters keep theirs', () => {
  const app = pair('app.example.com');
  const docs = pair('docs.example.com');
  const one = validateSnapshot(buildSnapshot(config, opts([app, docs])));
  const two = validateSnapshot(buildSnapshot(config, opts([pair('app.example.com'), docs])));
  assert.ok(one.ok && two.ok);
  for (const url of Object.values(TYPE_URLS)) {
    assert.equal(one.encoded.types.get(url)!.version, two.encoded.types.get(url)!.version, url);
  }
  assert.notEqual(
    one.encoded.types.get(SECRET_TYPE_URL)!.version,
    two.encoded.types.get(SECRET_TYPE_URL)!.version,
  );
  assert.notEqual(one.encoded.version, two.encoded.version);
});

test('configured certificates are served first (they win for their names), as secrets too', () => {
  const own = generateSelfSignedCertificate(['app.example.com']);
  const withCert = parseConfigText(
    `${YAML}certificate: ${Buffer.from(own.cert).toString('base64')}\ncertificate_key: ${Buffer.from(own.key).toString('base64')}\n`,
    { file: 't.yaml', env: {} },
  ).config;
  const snap = buildSnapshot(withCert, {
    ...endpointsFromConfig(withCert),
    autocert: { certificates: [pair('docs.example.com')] },
  });
  assert.deepEqual(
    snap.secrets?.map((s) => s.name),
    ['configured-0', 'autocert-docs.example.com'],
  );
  assert.ok(validateSnapshot(snap).ok);
});

test('the plain-HTTP listener (default :80 with autocert) routes the HTTP-01 path to authn, the rest to https', () => {
  const snap = buildSnapshot(config, opts([pair('app.example.com')]));
  const redirect = snap.resources.listener.find((l) => l.name === 'http-redirect')!.resource as J;
  assert.equal(redirect.address.socket_address.port_value, 80);
  const routes = redirect.filter_chains[0].filters[0].typed_config.route_config.virtual_hosts[0]
    .routes as J[];
  assert.deepEqual(routes[0], {
    match: { prefix: '/.well-known/acme-challenge/' },
    route: { cluster: 'portcullis-authenticate' },
  });
  assert.equal(routes[1]!.redirect.https_redirect, true);
  // Without autocert, no such route and no listener unless http_redirect_addr is set.
  const plain = parseConfigText(YAML.replace('autocert: true', ''), { file: 't.yaml', env: {} });
  const none = buildSnapshot(plain.config, {
    ...endpointsFromConfig(plain.config),
    devCertificate: generateSelfSignedCertificate(['x.example.com']),
  });
  assert.equal(
    none.resources.listener.find((l) => l.name === 'http-redirect'),
    undefined,
  );
});

test('a static bootstrap cannot carry autocert certificates and says so', () => {
  const b = buildBootstrap(config, {
    ...endpointsFromConfig(config),
    devCertificate: generateSelfSignedCertificate(['app.example.com']),
  });
  assert.ok(b.ok);
  assert.ok(b.warnings.some((w) => /autocert needs `portcullis start`/.test(w.message)));
});

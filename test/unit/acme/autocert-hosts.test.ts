// Which hosts autocert orders for (acme/lib/autocert-hosts.ts): route and authenticate hosts,
// each once; hosts HTTP-01 cannot validate are refused by name, with the route they came from.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autocertHosts, unsupportedHostReason } from '../../../acme/index.js';
import { parseConfigText } from '../../../config/index.js';

const REFUSED: readonly [string, RegExp][] = [
  ['*.example.com', /DNS-01/],
  ['203.0.113.7', /IP addresses/],
  ['[2001:db8::1]', /IP addresses/],
  ['localhost', /single-label/],
  ['intranet', /single-label/],
  ['bad_name.example.com', /not a valid DNS name/],
  ['-lead.example.com', /not a valid DNS name/],
  ['a..example.com', /not a valid DNS name/],
];

for (const [host, why] of REFUSED) {
  test(`refuses ${host} for HTTP-01`, () => {
    assert.match(unsupportedHostReason(host) ?? '', why);
  });
}

for (const host of ['app.example.com', 'a-b.c.example.co.uk', 'xn--bcher-kva.example']) {
  test(`accepts ${host}`, () => assert.equal(unsupportedHostReason(host), undefined));
}

test('takes every https route host once (ports dropped) plus the authenticate host, sorted; not plain-http routes nor the hosted authenticate', () => {
  const { config } = parseConfigText(
    `authenticate_service_url: https://auth.example.com
routes:
  - from: https://app.example.com:8443
    to: http://127.0.0.1:9
  - from: https://app.example.com
    path: /x
    to: http://127.0.0.1:9
  - from: https://*.wild.example.com
    to: http://127.0.0.1:9
  - from: https://10.0.0.1
    to: http://127.0.0.1:9
  - from: http://plain.example.com
    to: http://127.0.0.1:9
  - from: https://authenticate.pomerium.app
    to: http://127.0.0.1:9
`,
    { file: 't.yaml', env: {} },
  );
  const found = autocertHosts(config);
  assert.deepEqual(found.hosts, ['app.example.com', 'auth.example.com']);
  assert.deepEqual(
    found.refused.map((r) => [r.host, r.path]),
    [
      ['*.wild.example.com', 'routes[2]'],
      ['10.0.0.1', 'routes[3]'],
    ],
  );
});

test('leaves hosts a configured certificate serves (wildcards included) to that certificate', async () => {
  const { generateSelfSignedCertificate } = await import('../../../envoy/index.js');
  const { configuredCoverage } = await import('../../../acme/lib/configured-certificates.js');
  const own = generateSelfSignedCertificate(['app.example.com', '*.wild.example.com']);
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const { config } = parseConfigText(
    `certificate: ${b64(own.cert)}
certificate_key: ${b64(own.key)}
routes:
  - from: https://app.example.com
    to: http://127.0.0.1:9
  - from: https://x.wild.example.com
    to: http://127.0.0.1:9
  - from: https://*.wild.example.com
    to: http://127.0.0.1:9
  - from: https://docs.example.com
    to: http://127.0.0.1:9
`,
    { file: 't.yaml', env: {} },
  );
  const found = autocertHosts(config, configuredCoverage(config, '.'));
  assert.deepEqual(found.hosts, ['docs.example.com']);
  assert.deepEqual(found.covered, ['*.wild.example.com', 'app.example.com', 'x.wild.example.com']);
  assert.deepEqual(found.refused, []);
});

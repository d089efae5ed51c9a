// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are header templates, not JS templates
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseHeaderTemplate,
  renderHeaderTemplate,
  type TemplateValues,
} from '../../../authz/respond/header-template.js';

const values: TemplateValues = {
  accessToken: 'AT',
  idToken: 'IT',
  jwt: 'JWT',
  clientCertFingerprint: 'FP',
  clientCertSanDns: 'a.example.com',
  clientCertSanEmail: 'a@example.com',
  header: (name) =>
    ({ 'x-a': 'va', 'user-agent': 'UA', 'x-dollar': '$pomerium.access_token' })[name] ?? '',
};

const cases: [string, string, string][] = [
  ['plain text', 'hello', 'hello'],
  ['bare variable', 'Bearer $pomerium.access_token', 'Bearer AT'],
  ['braced variable with spaces', '${ pomerium.id_token }', 'IT'],
  ['assertion', '$pomerium.jwt', 'JWT'],
  [
    'certificate fields',
    '$pomerium.client_cert_fingerprint/${pomerium.client_cert_san_dns}/$pomerium.client_cert_san_email',
    'FP/a.example.com/a@example.com',
  ],
  ['request header (braced)', '${pomerium.request.headers["X-A"]}', 'va'],
  ['request header (bare)', '$pomerium.request.headers["User-Agent"]!', 'UA!'],
  ['missing request header', '${pomerium.request.headers["nope"]}', ''],
  ['$$ is a literal dollar', 'cost $$5', 'cost $5'],
  ['unknown variables render empty', 'home=$HOME;x=${foo.bar}', 'home=;x='],
  ['a lone dollar stays', 'a $ b', 'a $ b'],
  ['an unclosed brace stays text', 'x ${pomerium.jwt', 'x ${pomerium.jwt'],
  [
    'single pass: a value with $ is not expanded again',
    '${pomerium.request.headers["x-dollar"]}',
    '$pomerium.access_token',
  ],
  ['$$ before a variable name', '$$pomerium.jwt', '$pomerium.jwt'],
];
for (const [name, input, want] of cases) {
  test(`header template: ${name}`, () => {
    assert.equal(renderHeaderTemplate(parseHeaderTemplate(input), values), want);
  });
}

test('a template knows whether it needs the signed assertion', () => {
  assert.equal(parseHeaderTemplate('$pomerium.jwt').needsJwt, true);
  assert.equal(parseHeaderTemplate('$pomerium.access_token').needsJwt, false);
});

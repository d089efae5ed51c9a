// Issue 15: an http:// identity provider outside loopback is refused when the config loads (it
// used to pass validate and start, then fail every sign-in with a 500).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { issuesOf } from '../../helpers/config-fixtures.js';

const CASES: readonly [string, boolean][] = [
  ['https://idp.example.com', true],
  ['https://idp.example.com:8443/realms/x', true],
  ['http://127.0.0.1:8900', true],
  ['http://localhost:8080/realms/dev', true],
  ['http://idp.localhost:8080', true],
  ['http://[::1]:8080', true],
  ['http://idp.example.com', false],
  ['http://keycloak:8080/realms/pomerium', false],
  ['http://10.0.0.5/realms/x', false],
  ['http://127.0.0.1.nip.io', false],
  ['http://localhost.example.com', false],
];

for (const [url, ok] of CASES) {
  test(`${ok ? 'accepts' : 'refuses'} idp_provider_url ${url}`, () => {
    const issues = issuesOf(`idp_provider_url: ${url}\n`);
    if (ok) assert.deepEqual(issues, []);
    else {
      assert.equal(issues.length, 1);
      assert.equal(issues[0]!.code, 'invalid_url');
      assert.equal(issues[0]!.path, 'idp_provider_url');
      assert.equal(issues[0]!.line, 1);
    }
  });
}

test('refuses a plain-http IdP given in the environment too, pointing at the variable', () => {
  const issues = issuesOf('', { IDP_PROVIDER_URL: 'http://idp.example.com' });
  assert.equal(issues[0]?.code, 'invalid_url');
  assert.equal(issues[0]?.file, 'env:IDP_PROVIDER_URL');
});

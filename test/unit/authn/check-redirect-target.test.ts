import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  checkRedirectTarget,
  isWhitelistedProgrammaticHost,
} from '../../../authn/lib/check-redirect-target.js';

const ours = (u: URL) => u.hostname === 'app.example.com';

const refused = [
  '//evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  'https:evil.example',
  'https:/evil.example',
  'https://app.example.com@evil.example',
  'https://user:pw@app.example.com/',
  'https://evil.example/',
  'https://app.example.com.evil.example/',
  'javascript:alert(1)',
  'data:text/html,hi',
  'ftp://app.example.com/',
  '/relative',
  'app.example.com',
  ' https://app.example.com/',
  'https://app.example.com/\nLocation: https://evil.example',
  'https://app.example.com\\@evil.example',
  'https://app.example.com\t/',
  '',
];

for (const target of refused) {
  test(`refuses the redirect target ${JSON.stringify(target)}`, () => {
    assert.throws(() => checkRedirectTarget(target, ours), { code: 'AUTHN_REDIRECT_INVALID' });
  });
}

test('refuses a missing target', () => {
  assert.throws(() => checkRedirectTarget(null, ours), { code: 'AUTHN_REDIRECT_INVALID' });
});

for (const target of ['https://app.example.com/', 'http://APP.example.com:8080/a?b=c#d']) {
  test(`accepts the redirect target ${target}`, () => {
    assert.equal(checkRedirectTarget(target, ours).hostname, 'app.example.com');
  });
}

const whitelistCases: [string, readonly string[], boolean][] = [
  ['http://localhost:8000/cb', ['localhost'], true],
  ['http://127.0.0.1:8000/cb', ['localhost'], true],
  ['http://127.9.9.9/cb', ['localhost'], true],
  ['http://[::1]:8000/cb', ['localhost'], true],
  ['http://localhost.evil.example/cb', ['localhost'], false],
  ['https://cli.example.net/cb', ['localhost'], false],
  ['https://cli.example.net/cb', ['localhost', 'cli.example.net'], true],
  ['http://127.0.0.1/cb', [], false],
];
for (const [url, list, want] of whitelistCases) {
  test(`programmatic whitelist ${JSON.stringify(list)} ${want ? 'accepts' : 'refuses'} ${url}`, () => {
    assert.equal(isWhitelistedProgrammaticHost(new URL(url), list), want);
  });
}

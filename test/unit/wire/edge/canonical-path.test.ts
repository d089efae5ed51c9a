import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkAuthority, checkCanonicalPath } from '../../../../wire/index.js';

const paths: [string, string | null][] = [
  ['/', null],
  ['/public/page', null],
  ['/a%20b/c', null],
  ['/files/100%25', null],
  ['/a;b=c/d', null],
  ['/...', null],
  ['/..a/a..', null],
  ['/%7euser', null],
  ['/public/..', 'path-dot-segment'],
  ['/public/.', 'path-dot-segment'],
  ['/public/%2e%2e/admin', 'path-dot-segment'],
  ['/public/%2E%2E/admin', 'path-dot-segment'],
  ['/public/.%2e/admin', 'path-dot-segment'],
  ['/public/%2e%2e;/admin/secret', 'path-dot-segment'],
  ['/public/..%3b/admin/secret', 'path-dot-segment'],
  ['/public/..%3B/admin/secret', 'path-dot-segment'],
  ['/public/..;/admin/secret', 'path-dot-segment'],
  ['/public/..;jsessionid=1/admin', 'path-dot-segment'],
  ['/public/.;/admin', 'path-dot-segment'],
  ['/public/%252e%252e/admin', 'path-dot-segment'],
  ['/public/%2f/admin', 'path-encoded-slash'],
  ['/public/..%2fadmin', 'path-encoded-slash'],
  ['/public/%252f', 'path-encoded-slash'],
  ['/public/%5c', 'path-backslash'],
  ['/public\\..\\admin', 'path-backslash'],
  ['/public/%00', 'path-nul'],
  ['/public/%c0%ae%c0%ae/admin', 'path-bad-encoding'],
  ['/public/%e0%80%ae', 'path-bad-encoding'],
  ['/public/%ZZ', 'path-bad-encoding'],
  ['/public/%', 'path-bad-encoding'],
  ['admin', 'path-not-absolute'],
  ['*', 'path-not-absolute'],
];
for (const [path, reason] of paths) {
  test(`the canonical-path rule ${reason === null ? 'accepts' : `refuses (${reason})`} ${JSON.stringify(path)}`, () => {
    assert.equal(checkCanonicalPath(path), reason);
  });
}

const hosts: [string, string | null][] = [
  ['app.example.com', null],
  ['APP.Example.COM:8443', null],
  ['127.0.0.1:443', null],
  ['[::1]:8443', null],
  ['[2001:db8::1]', null],
  ['app.example.com.', null],
  ['', 'host-missing'],
  ['a.example.com,b.example.com', 'host-duplicate'],
  ['app.example.com:99999', 'host-malformed'],
  ['app.example.com:80:80', 'host-malformed'],
  ['user@app.example.com', 'host-malformed'],
  ['[::1', 'host-malformed'],
  ['app.example.com/x', 'host-malformed'],
  ['app..example.com', 'host-malformed'],
  ['a b', 'host-malformed'],
  ['-', 'host-malformed'],
];
for (const [host, reason] of hosts) {
  test(`the authority rule ${reason === null ? 'accepts' : `refuses (${reason})`} ${JSON.stringify(host)}`, () => {
    assert.equal(checkAuthority(host), reason);
  });
}

// `mcp_allowed_client_id_domains` matching (mcp/oauth/client-domains.ts): exact names, and
// `*.` wildcards for exactly one label, as Pomerium matches them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientDomainAllowed } from '../../../mcp/index.js';

const CASES: readonly [string, readonly string[], boolean][] = [
  ['client.example.com', ['client.example.com'], true],
  ['CLIENT.example.com.', ['client.example.com'], true],
  ['a.client.example.com', ['client.example.com'], false],
  ['a.example.com', ['*.example.com'], true],
  ['example.com', ['*.example.com'], false],
  ['a.b.example.com', ['*.example.com'], false],
  ['evilexample.com', ['*.example.com'], false],
  ['example.com.evil.net', ['example.com', '*.example.com'], false],
  ['client.example.com', [], false],
  ['client.example.com', [''], false],
];
for (const [host, allowed, ok] of CASES) {
  test(`${host} ${ok ? 'is' : 'is not'} allowed by [${allowed.join(', ')}]`, () => {
    assert.equal(clientDomainAllowed(host, allowed), ok);
  });
}

// Our MCP tokens (mcp/oauth/mcp-tokens.ts): a table of forgeries and confusions that must never
// read as an access token (alg none, other algorithms, other keys, other token kinds, a session
// handle), and the RFC 8707 audience rule a token is held to on each request.
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  audienceCovers,
  looksLikeMcpAccessToken,
  mcpKeysOf,
  readAccessToken,
  signMcpToken,
} from '../../../mcp/index.js';
import { signSessionHandle, verifySessionHandle } from '../../../wire/index.js';

const sessionKey = new Uint8Array(randomBytes(32));
const keys = mcpKeysOf(sessionKey);
const NOW = 1_800_000_000_000;
const CLAIMS = {
  iss: 'https://mcp.example.com',
  aud: 'https://mcp.example.com/mcp',
  sub: 'alice',
  sid: 'sess-1',
  gid: 'g1',
  idp_id: 'idp',
  client_id: 'mcp-c',
  iat: NOW / 1000,
  exp: NOW / 1000 + 300,
  jti: 'j',
  // a session handle's fields too, so a confused verifier would have all it needs
  jti_: 'x',
};
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
function forge(header: unknown, claims: unknown, key: Uint8Array | null, alg = 'sha256'): string {
  const input = `${b64(header)}.${b64(claims)}`;
  const sig = key === null ? '' : createHmac(alg, key).update(input).digest('base64url');
  return `${input}.${sig}`;
}

test('a token we signed reads back with its claims', () => {
  const t = signMcpToken('access', CLAIMS, keys.access);
  assert.ok(looksLikeMcpAccessToken(t));
  assert.equal(readAccessToken(t, keys.access, NOW)?.sub, 'alice');
});

const FORGERIES: readonly [string, string][] = [
  ['alg none, no signature', forge({ alg: 'none', typ: 'at+jwt' }, CLAIMS, null)],
  ['alg none with our MAC', forge({ alg: 'none', typ: 'at+jwt' }, CLAIMS, keys.access)],
  ['HS512 with our key', forge({ alg: 'HS512', typ: 'at+jwt' }, CLAIMS, keys.access, 'sha512')],
  ['RS256 header over our MAC', forge({ alg: 'RS256', typ: 'at+jwt' }, CLAIMS, keys.access)],
  [
    'an extra kid in the header',
    forge({ alg: 'HS256', typ: 'at+jwt', kid: 'x' }, CLAIMS, keys.access),
  ],
  [
    'crit in the header',
    forge({ alg: 'HS256', typ: 'at+jwt', crit: ['exp'] }, CLAIMS, keys.access),
  ],
  ['typ JWT (a session handle header)', forge({ alg: 'HS256', typ: 'JWT' }, CLAIMS, keys.access)],
  [
    'signed with the session key itself',
    forge({ alg: 'HS256', typ: 'at+jwt' }, CLAIMS, sessionKey),
  ],
  ['the authorize pass key', signMcpToken('access', CLAIMS, keys.authorize)],
  ['an authorize pass', signMcpToken('authorize', CLAIMS, keys.authorize)],
  [
    "another deployment's key",
    signMcpToken('access', CLAIMS, mcpKeysOf(new Uint8Array(32)).access),
  ],
  ['expired', signMcpToken('access', { ...CLAIMS, exp: NOW / 1000 - 1 }, keys.access)],
  ['no exp', signMcpToken('access', { ...CLAIMS, exp: undefined }, keys.access)],
  ['a string exp', signMcpToken('access', { ...CLAIMS, exp: String(NOW) }, keys.access)],
  ['no sid', signMcpToken('access', { ...CLAIMS, sid: '' }, keys.access)],
  ['no grant', signMcpToken('access', { ...CLAIMS, gid: undefined }, keys.access)],
  ['an array payload', forge({ alg: 'HS256', typ: 'at+jwt' }, [CLAIMS], keys.access)],
  ['two segments', signMcpToken('access', CLAIMS, keys.access).split('.').slice(0, 2).join('.')],
  ['padding in a segment', `${signMcpToken('access', CLAIMS, keys.access)}=`],
  [
    'a session handle signed with the session key',
    signSessionHandle(
      {
        iss: 'a',
        sub: 'alice',
        aud: ['mcp.example.com'],
        iat: NOW / 1000,
        exp: NOW / 1000 + 60,
        jti: 'sess-1',
        idp_id: 'idp',
      },
      sessionKey,
    ),
  ],
];
for (const [what, token] of FORGERIES) {
  test(`refuses ${what} as an access token`, () => {
    assert.equal(readAccessToken(token, keys.access, NOW), null);
  });
}

test('an access token never verifies as a session handle', () => {
  const t = signMcpToken('access', CLAIMS, keys.access);
  assert.throws(() => verifySessionHandle(t, sessionKey, { now: NOW }));
});

const AUDIENCES: readonly [string, string, boolean][] = [
  ['https://mcp.example.com/mcp', 'https://mcp.example.com/mcp', true],
  ['https://mcp.example.com/mcp', 'https://mcp.example.com/mcp/sub', true],
  ['https://mcp.example.com/mcp/', 'https://mcp.example.com/mcp', true],
  ['https://mcp.example.com', 'https://mcp.example.com/anything', true],
  ['https://mcp.example.com/mcp', 'https://mcp.example.com/mcpx', false],
  ['https://mcp.example.com/mcp', 'https://mcp.example.com/', false],
  ['https://mcp.example.com/mcp', 'https://other.example.com/mcp', false],
  ['https://mcp.example.com/mcp', 'http://mcp.example.com/mcp', false],
  ['https://mcp.example.com/mcp', 'https://mcp.example.com:8443/mcp', false],
  ['https://mcp.example.com.evil.net/mcp', 'https://mcp.example.com/mcp', false],
  ['not a url', 'https://mcp.example.com/mcp', false],
];
for (const [aud, url, ok] of AUDIENCES) {
  test(`a token for ${aud} ${ok ? 'is' : 'is not'} good at ${url}`, () => {
    assert.equal(audienceCovers(aud, new URL(url)), ok);
  });
}

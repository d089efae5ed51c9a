// The RFC 9728 pieces of an MCP server route (mcp/protected-resource.ts): which paths are
// metadata paths, the resource each describes, and a challenge no path can add parameters to.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  metadataResourcePath,
  protectedResourceMetadataUrl,
  wwwAuthenticate,
} from '../../../mcp/index.js';

const PATHS: readonly [string, string | null][] = [
  ['/.well-known/oauth-protected-resource', '/'],
  ['/.well-known/oauth-protected-resource/mcp', '/mcp'],
  ['/.well-known/oauth-protected-resource/a/b', '/a/b'],
  ['/.well-known/oauth-protected-resourcex', null],
  ['/.well-known/oauth-protected-resource-evil/mcp', null],
  ['/mcp/.well-known/oauth-protected-resource', null],
  ['/.well-known/oauth-authorization-server', null],
];
for (const [path, want] of PATHS) {
  test(`reads ${path} as the metadata of ${want ?? 'nothing'}`, () => {
    assert.equal(metadataResourcePath(path), want);
  });
}

test('puts the request path after the well-known prefix, without a trailing slash', () => {
  assert.equal(
    protectedResourceMetadataUrl('mcp.example.com:8443', '/mcp/'),
    'https://mcp.example.com:8443/.well-known/oauth-protected-resource/mcp',
  );
  assert.equal(
    protectedResourceMetadataUrl('mcp.example.com', '/'),
    'https://mcp.example.com/.well-known/oauth-protected-resource',
  );
});

const HOSTILE: readonly string[] = [
  '/a"b',
  '/a\\',
  '/", error="x',
  '/\\"',
  '/a" resource_metadata="https://evil',
];
for (const path of HOSTILE) {
  test(`keeps the challenge one quoted parameter for the path ${JSON.stringify(path)}`, () => {
    for (const invalid of [false, true]) {
      const c = wwwAuthenticate('mcp.example.com', path, invalid);
      const m = /^Bearer (error="invalid_token", )?resource_metadata="((?:[^"\\]|\\.)*)"$/.exec(c);
      assert.ok(m, c);
      assert.equal(m[1] !== undefined, invalid);
      assert.equal(
        m[2]!.replace(/\\(.)/g, '$1'),
        protectedResourceMetadataUrl('mcp.example.com', path),
      );
    }
  });
}

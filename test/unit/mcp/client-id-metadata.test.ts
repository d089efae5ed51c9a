// Client ID metadata documents (mcp/oauth/client-id-metadata.ts) against a real HTTPS server on
// loopback: what a stranger's client_id URL can make the authorization server do. Non-allowed
// domains are never fetched, private addresses never dialled, redirects never followed, and a
// document too large, too slow or naming someone else is refused.
import assert from 'node:assert/strict';
import type { lookup } from 'node:dns';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateTlsFiles } from '../../../cli/commands/generate-tls-files.js';
import {
  ClientMetadataError,
  type FetchClientMetadataOptions,
  fetchClientMetadata,
  publicAddress,
} from '../../../mcp/index.js';

const dir = mkdtempSync(join(tmpdir(), 'cimd-'));
let server: Server;
let port = 0;
let ca = '';
const hits: string[] = [];
const REDIRECT = 'http://127.0.0.1:7777/callback';
const doc = (id: string, over: Record<string, unknown> = {}) =>
  JSON.stringify({ client_id: id, client_name: 'c', redirect_uris: [REDIRECT], ...over });

before(async () => {
  generateTlsFiles({ dir, names: ['client.example.com'], configDir: dir });
  ca = readFileSync(join(dir, 'ca.pem'), 'utf8');
  server = createServer(
    { cert: readFileSync(join(dir, 'server.pem')), key: readFileSync(join(dir, 'server-key.pem')) },
    (req, res) => {
      hits.push(req.url ?? '');
      const id = `https://client.example.com${req.url}`;
      switch (req.url) {
        case '/good.json':
          return res.writeHead(200, { 'content-type': 'application/json' }).end(doc(id));
        case '/big.json':
          return res.writeHead(200).end(doc(id, { pad: 'x'.repeat(10_000) }));
        case '/big-chunked.json':
          res.writeHead(200);
          for (let i = 0; i < 20; i++) res.write('x'.repeat(1000));
          return res.end();
        case '/slow.json':
          return; // never answers
        case '/redirect.json':
          return res.writeHead(302, { location: '/good.json' }).end();
        case '/other-id.json':
          return res.writeHead(200).end(doc('https://client.example.com/good.json'));
        case '/bad-redirect.json':
          return res.writeHead(200).end(doc(id, { redirect_uris: ['http://evil.example.net/cb'] }));
        case '/secret-client.json':
          return res
            .writeHead(200)
            .end(doc(id, { token_endpoint_auth_method: 'client_secret_basic' }));
        case '/not-json.json':
          return res.writeHead(200).end('<html>');
        default:
          return res.writeHead(404).end();
      }
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

after(() => {
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Resolves every name to the loopback server and lets the test reach it. */
const toLoopback = (): FetchClientMetadataOptions => ({
  allowedDomains: ['client.example.com'],
  ca,
  port,
  timeoutMs: 1_000,
  lookup: ((
    _h: string,
    _o: unknown,
    cb: (e: null, a: { address: string; family: number }[]) => void,
  ) => cb(null, [{ address: '127.0.0.1', family: 4 }])) as unknown as typeof lookup,
  allowAddress: () => true,
});

test('fetches an allowed client id document that names itself', async () => {
  const m = await fetchClientMetadata('https://client.example.com/good.json', toLoopback());
  assert.deepEqual(m.redirect_uris, [REDIRECT]);
});

const REFUSED: readonly [
  string,
  string,
  Partial<FetchClientMetadataOptions>,
  ClientMetadataError['kind'],
][] = [
  ['a non-allowed domain', 'https://evil.example.net/good.json', {}, 'domain'],
  ['a subdomain of an exact entry', 'https://a.client.example.com/good.json', {}, 'domain'],
  ['an empty allow list', 'https://client.example.com/good.json', { allowedDomains: [] }, 'domain'],
  ['an oversized document (declared)', 'https://client.example.com/big.json', {}, 'fetch'],
  ['an oversized document (chunked)', 'https://client.example.com/big-chunked.json', {}, 'fetch'],
  ['a slow server', 'https://client.example.com/slow.json', { timeoutMs: 300 }, 'fetch'],
  ['a redirect', 'https://client.example.com/redirect.json', {}, 'fetch'],
  ['a 404', 'https://client.example.com/missing.json', {}, 'fetch'],
  ['a document naming another client', 'https://client.example.com/other-id.json', {}, 'invalid'],
  [
    'a document with an http redirect URI',
    'https://client.example.com/bad-redirect.json',
    {},
    'invalid',
  ],
  ['a confidential client', 'https://client.example.com/secret-client.json', {}, 'invalid'],
  ['a body that is not JSON', 'https://client.example.com/not-json.json', {}, 'invalid'],
  [
    'a private address (the default guard)',
    'https://client.example.com/good.json',
    { allowAddress: publicAddress },
    'fetch',
  ],
  [
    'an untrusted certificate',
    'https://client.example.com/good.json',
    { ca: undefined as unknown as string },
    'fetch',
  ],
  ['http', 'http://client.example.com/good.json', {}, 'invalid'],
  ['another port', 'https://client.example.com:8443/good.json', {}, 'invalid'],
  ['userinfo', 'https://u@client.example.com/good.json', {}, 'invalid'],
  ['a fragment', 'https://client.example.com/good.json#x', {}, 'invalid'],
  ['no path', 'https://client.example.com/', {}, 'invalid'],
  ['dot segments', 'https://client.example.com/a/../good.json', {}, 'invalid'],
];
for (const [what, id, over, kind] of REFUSED) {
  test(`refuses a client id metadata document with ${what} (${kind})`, async () => {
    const before = hits.length;
    await assert.rejects(
      fetchClientMetadata(id, { ...toLoopback(), ...over }),
      (e: unknown) => e instanceof ClientMetadataError && e.kind === kind,
    );
    if (kind === 'domain' || what.startsWith('a private') || what === 'a redirect') {
      const followed = hits.slice(before).filter((h) => h !== '/redirect.json');
      assert.deepEqual(followed, [], 'nothing else was fetched');
    }
  });
}

const ADDRESSES: readonly [string, boolean][] = [
  ['93.184.216.34', true],
  ['2606:4700::1111', true],
  ['127.0.0.1', false],
  ['10.1.2.3', false],
  ['172.16.0.1', false],
  ['192.168.1.1', false],
  ['169.254.169.254', false],
  ['100.64.0.1', false],
  ['0.0.0.0', false],
  ['::1', false],
  ['::', false],
  ['fd00::1', false],
  ['fe80::1', false],
  ['::ffff:127.0.0.1', false],
  ['224.0.0.1', false],
  ['not-an-ip', false],
];
for (const [address, ok] of ADDRESSES) {
  test(`the metadata fetch ${ok ? 'may' : 'may never'} dial ${address}`, () => {
    assert.equal(publicAddress(address), ok);
  });
}

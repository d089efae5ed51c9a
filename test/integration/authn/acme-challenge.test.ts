// ACME HTTP-01 answers from authn (authn/handle-acme-challenge.ts, docs/acme.md): the key
// authorization stored by the ordering replica is served at /.well-known/acme-challenge/TOKEN on
// any host, as text; anything else on that path is a 404 (a table of hostile variants).
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { type Harness, startHarness } from '../../helpers/authn-harness.js';

let h: Harness;
const TOKEN = 'evaGxfADs6pSRb2LAv9IZf17Dt3juxGJ-PCt92wr-oA';
const KEY_AUTH = `${TOKEN}.9jg46WB3rR_AHD-EBXdN7cBkH1WOu0tA3M9fm21mqTI`;

before(async () => {
  h = await startHarness();
  await h.store.put([
    { type: 'acme_challenge', id: TOKEN, data: { id: TOKEN, key_authorization: KEY_AUTH } },
    {
      type: 'acme_challenge',
      id: 'expired-token',
      data: { id: 'expired-token', key_authorization: 'x' },
      expires_at: Date.now() - 1000,
    },
  ]);
});
after(() => h.close());

function fetchPath(
  path: string,
  host: string,
  method = 'GET',
): Promise<{ status: number; body: string; type: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: h.port,
        path,
        method,
        headers: { host, 'x-forwarded-proto': 'http' },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

for (const host of ['app.example.com', 'auth.example.com', 'not-a-route.example.net:8080']) {
  test(`answers the stored key authorization for ${host}`, async () => {
    const r = await fetchPath(`/.well-known/acme-challenge/${TOKEN}`, host);
    assert.equal(r.status, 200);
    assert.equal(r.body, KEY_AUTH);
    assert.match(r.type, /^text\/plain/);
  });
}

const HOSTILE: readonly [string, string, string?][] = [
  ['an unknown token', '/.well-known/acme-challenge/never-stored'],
  ['an expired answer', '/.well-known/acme-challenge/expired-token'],
  ['no token', '/.well-known/acme-challenge/'],
  ['a dot-dot token', '/.well-known/acme-challenge/../acme-challenge/x'],
  ['an encoded slash', `/.well-known/acme-challenge/a%2F${TOKEN}`],
  ['a token with a dot', `/.well-known/acme-challenge/${TOKEN}.x`],
  ['a longer path', `/.well-known/acme-challenge/${TOKEN}/more`],
  ['a POST', `/.well-known/acme-challenge/${TOKEN}`, 'POST'],
  ['a 300-character token', `/.well-known/acme-challenge/${'a'.repeat(300)}`],
];

for (const [name, path, method] of HOSTILE) {
  test(`answers 404 to ${name}`, async () => {
    const r = await fetchPath(path, 'app.example.com', method);
    assert.equal(r.status, 404);
    assert.ok(!r.body.includes(KEY_AUTH));
  });
}

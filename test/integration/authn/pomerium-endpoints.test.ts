// Issue 15: endpoints Pomerium serves that clients rely on — the HPKE public key (raw bytes,
// CORS, ETag, 304) on every host of ours, and /.pomerium/device-enrolled.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import { decodeSecret, deriveHpkePublicKey } from '../../../wire/index.js';
import { type Harness, startHarness } from '../../helpers/authn-harness.js';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

interface Raw {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

function raw(
  host: string,
  path: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: h.port, path, method, headers: { host, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('/.well-known/pomerium/hpke-public-key serves the raw X25519 key derived from shared_secret', async () => {
  const expected = deriveHpkePublicKey(decodeSecret(h.config.shared_secret!));
  for (const host of ['auth.example.com', 'app.example.com']) {
    const res = await raw(host, '/.well-known/pomerium/hpke-public-key');
    assert.equal(res.status, 200, host);
    assert.equal(res.headers['content-type'], 'application/octet-stream');
    assert.equal(res.headers['access-control-allow-origin'], '*');
    assert.equal(res.headers['cache-control'], 'max-age=60');
    assert.deepEqual(res.body, expected);
    assert.match(String(res.headers.etag), /^"[0-9a-f]+"$/);
    const again = await raw(host, '/.well-known/pomerium/hpke-public-key', 'GET', {
      'if-none-match': String(res.headers.etag),
    });
    assert.equal(again.status, 304);
  }
});

test('the HPKE key answers a CORS preflight with 204', async () => {
  const res = await raw('app.example.com', '/.well-known/pomerium/hpke-public-key', 'OPTIONS', {
    origin: 'https://www.example.com',
    'access-control-request-method': 'GET',
  });
  assert.equal(res.status, 204);
  assert.equal(res.headers['access-control-allow-origin'], '*');
});

test('the HPKE key is not served on hosts that are not ours', async () => {
  const res = await raw('unknown.example', '/.well-known/pomerium/hpke-public-key');
  assert.equal(res.status, 404);
});

test('/.pomerium/device-enrolled answers 200 with a page saying no device is enrolled here', async () => {
  for (const host of ['auth.example.com', 'app.example.com']) {
    const res = await raw(host, '/.pomerium/device-enrolled');
    assert.equal(res.status, 200, host);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body.toString(), /id="device-enrolled"/);
  }
});

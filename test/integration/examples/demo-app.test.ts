// The demo app checks X-Pomerium-Jwt-Assertion the way an upstream should: JWKS from its own
// public host (reached through the proxy address), signature, audience = its hostname, issuer.
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import {
  type DemoApp,
  type DemoAppReport,
  startDemoApp,
} from '../../../examples/demo-app/index.js';
import { buildJwks, loadSigningKeys } from '../../../wire/index.js';
import { getStatus } from '../../helpers/load-loops.js';

const pem = (curve = 'P-256') =>
  generateKeyPairSync('ec', { namedCurve: curve })
    .privateKey.export({ type: 'pkcs8', format: 'pem' })
    .toString();
const [good] = loadSigningKeys(pem());
const [other] = loadSigningKeys(pem());

let proxy: Server;
let app: DemoApp;
const jwksHosts: string[] = [];

before(async () => {
  // Stands in for Envoy: serves the JWKS for any Host, remembering which host was asked.
  proxy = createServer((req, res) => {
    jwksHosts.push(String(req.headers.host));
    if (req.url === '/.well-known/pomerium/jwks.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(buildJwks([good!])));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  app = await startDemoApp({
    name: 'test app',
    connect: `127.0.0.1:${(proxy.address() as AddressInfo).port}`,
  });
});

after(async () => {
  await app.close();
  proxy.close();
});

async function sign(
  key = good!,
  claims: Record<string, unknown> = {},
  opts: { aud?: string; iss?: string; exp?: number } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ email: 'alice@example.com', groups: ['engineering'], ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
    .setIssuer(opts.iss ?? 'app.localhost')
    .setAudience(opts.aud ?? 'app.localhost')
    .setIssuedAt(now)
    .setExpirationTime(opts.exp ?? now + 300)
    .sign(key.privateKey);
}

async function report(assertion?: string): Promise<DemoAppReport> {
  const r = await getStatus(app.port, '127.0.0.1', {
    accept: 'application/json',
    'x-forwarded-host': 'app.localhost:8080',
    ...(assertion ? { 'x-pomerium-jwt-assertion': assertion } : {}),
  });
  assert.equal(r.status, 200);
  return JSON.parse(r.body) as DemoAppReport;
}

test('verifies a good assertion against the JWKS of its own public host', async () => {
  const r = await report(await sign());
  assert.equal(r.assertion.verified, true);
  assert.equal(r.assertion.verified && r.assertion.claims.email, 'alice@example.com');
  assert.ok(jwksHosts.includes('app.localhost:8080'), 'JWKS fetched with the public Host');
  assert.equal(r.host, 'app.localhost:8080');
});

test('accepts the uri issuer format too', async () => {
  const r = await report(await sign(good, {}, { iss: 'https://app.localhost/' }));
  assert.equal(r.assertion.verified, true);
});

for (const c of [
  { name: 'no assertion', make: async () => undefined },
  { name: 'a key not in the JWKS', make: () => sign(other) },
  { name: 'another audience', make: () => sign(good, {}, { aud: 'evil.localhost' }) },
  { name: 'another issuer', make: () => sign(good, {}, { iss: 'evil.localhost' }) },
  {
    name: 'an expired assertion',
    make: () => sign(good, {}, { exp: Math.floor(Date.now() / 1000) - 120 }),
  },
  {
    name: 'an unsigned (alg none) assertion',
    make: async () => {
      const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
      return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ aud: 'app.localhost', iss: 'app.localhost', email: 'x' })}.`;
    },
  },
  { name: 'garbage', make: async () => 'not.a.jwt' },
]) {
  test(`refuses ${c.name}`, async () => {
    const r = await report(await c.make());
    assert.equal(r.assertion.verified, false);
  });
}

// The signed assertion is cached per identity and audience and re-signed a minute before it
// expires (docs/architecture.md: deliberate difference), so upstreams never receive an expired assertion.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type AuthzHarness, fixture, startAuthzHarness } from '../../helpers/authz-harness.js';
import { ROUTES_YAML } from './routes.js';

let clock = Date.now();
let h: AuthzHarness;
before(async () => {
  h = await startAuthzHarness({ yaml: ROUTES_YAML, now: () => clock });
});
after(async () => {
  await h?.close();
});

const payloadOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as {
    iat: number;
    exp: number;
    jti: string;
    aud: string;
  };

test('reuses the assertion within its first four minutes and re-signs it before it expires', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  const req = (host: string, route: string) =>
    fixture('browser-get', (f) => {
      f.attributes.request.http.headers.cookie = `_pomerium=${token}`;
      f.attributes.request.http.host = host;
      f.attributes.context_extensions = { internal: 'false', route_id: route };
    });
  const first = (await h.check(req('app.example.com', 'app'))).headers['x-pomerium-jwt-assertion']!;
  clock += 180_000;
  const same = (await h.check(req('app.example.com', 'app'))).headers['x-pomerium-jwt-assertion']!;
  assert.equal(same, first);
  clock += 70_000;
  const renewed = (await h.check(req('app.example.com', 'app'))).headers[
    'x-pomerium-jwt-assertion'
  ]!;
  assert.notEqual(renewed, first);
  const a = payloadOf(first);
  const b = payloadOf(renewed);
  assert.notEqual(a.jti, b.jti);
  assert.ok(b.exp * 1000 > clock + 60_000, 'the served assertion has over a minute left');
  const other = (await h.check(req('public.example.com', 'public'))).headers[
    'x-pomerium-jwt-assertion'
  ]!;
  assert.equal(payloadOf(other).aud, 'public.example.com');
  assert.notEqual(other, renewed);
});

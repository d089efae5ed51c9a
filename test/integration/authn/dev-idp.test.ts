import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { type DevIdp, loadDevIdpFile, startDevIdp } from '../../../examples/dev-idp/index.js';
import { Browser, readForm } from '../../helpers/browser.js';
import { repoRoot } from '../../helpers/config-fixtures.js';

let idp: DevIdp;
before(async () => {
  idp = await startDevIdp({
    port: 0,
    users: [{ username: 'alice', password: 'pw', email: 'alice@example.com', groups: ['eng'] }],
    clients: [
      {
        client_id: 'c',
        client_secret: 's',
        redirect_uris: ['https://auth.example.com/oauth2/callback'],
      },
    ],
  });
});
after(async () => {
  await idp.close();
});

test('the dev IdP publishes discovery with PKCE, refresh, revocation and end_session', async () => {
  const d = (await (
    await fetch(`${idp.issuer}/.well-known/openid-configuration`)
  ).json()) as Record<string, unknown>;
  assert.equal(d.issuer, idp.issuer);
  assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
  assert.ok(d.revocation_endpoint);
  assert.ok(d.end_session_endpoint);
  assert.ok((d.grant_types_supported as string[]).includes('refresh_token'));
});

test('a wrong password re-renders the login form with 401', async () => {
  const b = new Browser();
  const auth = new URL(`${idp.issuer}/auth`);
  for (const [k, v] of Object.entries({
    client_id: 'c',
    response_type: 'code',
    scope: 'openid',
    redirect_uri: 'https://auth.example.com/oauth2/callback',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  })) {
    auth.searchParams.set(k, v);
  }
  const page = (await b.follow(auth.toString())).at(-1);
  assert.equal(page?.status, 200);
  const form = readForm(page?.body ?? '');
  const r = await b.request('POST', new URL(form.action, page?.url).toString(), {
    form: { username: 'alice', password: 'wrong' },
  });
  assert.equal(r.status, 401);
  assert.match(r.body, /Invalid username or password/);
  const ok = await b.request('POST', new URL(form.action, page?.url).toString(), {
    form: { username: 'alice@example.com', password: 'pw' },
  });
  assert.equal(ok.status, 303, 'login by email works too');
});

test('the example users file is valid and the CLI prints its usage', async () => {
  const file = await loadDevIdpFile(`${repoRoot()}/examples/dev-idp/users.yaml`);
  assert.ok(file.users.length >= 2);
  assert.equal(file.clients[0]?.client_id, 'portcullis-quickstart');
  // under tsx run the TypeScript source, under `node --test dist/…` the compiled file
  const args = import.meta.url.endsWith('.ts')
    ? ['--import', 'tsx', `${repoRoot()}/examples/dev-idp/main.ts`, '--help']
    : [`${repoRoot()}/dist/examples/dev-idp/main.js`, '--help'];
  const { stdout } = await promisify(execFile)(process.execPath, args);
  assert.match(stdout, /usage: dev-idp --config FILE/);
});

// Issue 15: kubernetes_service_account_token(_file). The upstream gets the service account token
// and impersonates the signed-in user (Impersonate-User, one Impersonate-Group per group);
// client-sent Impersonate-* headers never pass; an anonymous user on a public route gets neither
// the token nor an impersonation. Checked on the wire and behind the real Envoy.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { buildBootstrap } from '../../../envoy/index.js';
import { type AuthzHarness, fixture, startAuthzHarness } from '../../helpers/authz-harness.js';
import { type Echo, type EchoUpstream, startEchoUpstream } from '../../helpers/echo-upstream.js';
import { httpGet, launchEnvoy, type RunningEnvoy } from '../../helpers/spawn-envoy.js';

let upstream: EchoUpstream;
let authn: EchoUpstream;
let h: AuthzHarness;
let envoy: RunningEnvoy;
let port: number;

before(async () => {
  [upstream, authn] = await Promise.all([startEchoUpstream('k8s'), startEchoUpstream('authn')]);
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-k8s-'));
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'file-token\n');
  h = await startAuthzHarness({
    yaml: `insecure_server: true
address: 127.0.0.1:0
routes:
  - id: k8s
    from: http://k8s.example.com
    to: ${upstream.url}
    allowed_domains: [example.com]
    kubernetes_service_account_token: sa-token
  - id: k8s-file
    from: http://k8s-file.example.com
    to: ${upstream.url}
    allowed_domains: [example.com]
    kubernetes_service_account_token_file: ${tokenFile}
  - id: k8s-public
    from: http://k8s-public.example.com
    to: ${upstream.url}
    allow_public_unauthenticated_access: true
    kubernetes_service_account_token: sa-token
`,
  });
  const result = buildBootstrap(h.loaded.config, {
    authz: [{ host: '127.0.0.1', port: h.port }],
    authn: { host: '127.0.0.1', port: authn.port },
    adminPort: 0,
  });
  assert.ok(result.ok, JSON.stringify(!result.ok && result.issues));
  envoy = await launchEnvoy(result.bootstrap);
  port = (await envoy.ports())['http-ingress']!;
});
after(async () => {
  await envoy?.stop();
  await h?.close().catch(() => undefined);
  await Promise.all([upstream?.close(), authn?.close()]);
});

const echoOf = (body: string) => JSON.parse(body) as Echo;

test('the upstream gets the token and impersonates the user with each group', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com', groups: ['eng', 'ops'] });
  const res = await httpGet(port, 'k8s.example.com', '/api/v1/pods', {
    cookie: `_pomerium=${token}`,
    'impersonate-user': 'system:admin',
    'impersonate-group': 'system:masters',
    'impersonate-extra-scopes': 'x',
  });
  assert.equal(res.status, 200);
  const seen = echoOf(res.body).headers;
  assert.equal(seen.authorization, 'Bearer sa-token');
  assert.equal(seen['impersonate-user'], 'alice@example.com');
  // Envoy's ext_authz joins further values into the same header line (see README: one line)
  assert.equal(seen['impersonate-group'], 'eng,ops');
  assert.equal(seen['impersonate-extra-scopes'], undefined);
});

test('the token can come from kubernetes_service_account_token_file (trimmed)', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com' });
  const res = await httpGet(port, 'k8s-file.example.com', '/', { cookie: `_pomerium=${token}` });
  const seen = echoOf(res.body).headers;
  assert.equal(seen.authorization, 'Bearer file-token');
  assert.equal(seen['impersonate-group'], undefined);
});

test('an anonymous user on a public route gets no token and cannot impersonate anyone', async () => {
  const res = await httpGet(port, 'k8s-public.example.com', '/', {
    'impersonate-user': 'system:admin',
    'impersonate-group': 'system:masters',
  });
  assert.equal(res.status, 200);
  const seen = echoOf(res.body).headers;
  assert.equal(seen.authorization, undefined);
  assert.equal(seen['impersonate-user'], undefined);
  assert.equal(seen['impersonate-group'], undefined);
});

test('on the wire: the first group replaces the client value, the others append', async () => {
  const { token } = await h.signIn({ email: 'alice@example.com', groups: ['a', 'b', 'c'] });
  const res = await h.check(
    fixture('browser-get', (f) => {
      f.attributes.request.http.headers[':authority'] = 'k8s.example.com';
      f.attributes.request.http.host = 'k8s.example.com';
      f.attributes.request.http.headers.cookie = `_pomerium=${token}`;
      f.attributes.context_extensions = { internal: 'false', route_id: 'k8s' };
    }),
  );
  const wire = (
    res.raw as {
      ok_response: { headers: { header: { key: string; value: string }; append_action: string }[] };
    }
  ).ok_response.headers.filter((x) => x.header.key === 'impersonate-group');
  assert.deepEqual(
    wire.map((x) => [x.header.value, x.append_action]),
    [
      ['a', 'OVERWRITE_IF_EXISTS_OR_ADD'],
      ['b', 'APPEND_IF_EXISTS_OR_ADD'],
      ['c', 'APPEND_IF_EXISTS_OR_ADD'],
    ],
  );
});

// Issue 15: behind a real Envoy (ENVOY_BIN) on TLS, a client certificate issued by an
// intermediate CA reaches authz with its chain (Envoy's own XFCC) and passes when
// downstream_mtls.max_verify_depth allows it; without the intermediate it gets 495; a route
// without a CA answers a browser that has no certificate at all.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { dirname } from 'node:path';
import { after, before, test } from 'node:test';
import { devCertificateFor } from '../../../envoy/index.js';
import { envoyInFrontOf } from '../../helpers/authz-envoy.js';
import { type AuthzHarness, fixtureText, startAuthzHarness } from '../../helpers/authz-harness.js';
import { type EchoUpstream, startEchoUpstream } from '../../helpers/echo-upstream.js';
import type { RunningEnvoy } from '../../helpers/spawn-envoy.js';

let upstream: EchoUpstream;
let authn: EchoUpstream;
let authz: AuthzHarness;
let envoy: RunningEnvoy;
let port: number;
let token: string;

before(async () => {
  [upstream, authn] = await Promise.all([startEchoUpstream('app'), startEchoUpstream('authn')]);
  authz = await startAuthzHarness({
    yaml: `
address: 127.0.0.1:0
downstream_mtls:
  max_verify_depth: 2
routes:
  - id: chain
    from: https://chain.example.com
    to: ${upstream.url}
    allowed_domains: [example.com]
    tls_downstream_client_ca_file: chain-root-ca.pem
  - id: plain
    from: https://plain.example.com
    to: ${upstream.url}
    allowed_domains: [example.com]
`,
  });
  ({ envoy, port } = await envoyInFrontOf(authz, authn, {
    build: {
      devCertificate: devCertificateFor(authz.loaded.config),
      baseDir: dirname(authz.loaded.file),
    },
    listener: 'https-ingress',
  }));
  ({ token } = await authz.signIn({ email: 'alice@example.com' }));
});
after(async () => {
  await envoy?.stop();
  await authz?.close().catch(() => undefined);
  await Promise.all([upstream?.close(), authn?.close()]);
});

function get(host: string, cert?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        servername: host,
        path: '/',
        headers: { host, cookie: `_pomerium=${token}`, accept: 'text/html' },
        rejectUnauthorized: false,
        ...(cert === undefined ? {} : { cert, key: fixtureText('chain-leaf.key') }),
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('a leaf issued by an intermediate, sent with its chain, passes at max_verify_depth 2', async () => {
  const chain = fixtureText('chain-leaf.pem') + fixtureText('chain-intermediate-ca.pem');
  assert.equal(await get('chain.example.com', chain), 200);
});

test('the same leaf without its intermediate gets 495', async () => {
  assert.equal(await get('chain.example.com', fixtureText('chain-leaf.pem')), 495);
});

test('no certificate: 495 on the CA route, 200 on the route without a CA', async () => {
  assert.equal(await get('chain.example.com'), 495);
  assert.equal(await get('plain.example.com'), 200);
});

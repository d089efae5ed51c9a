// Client certificates (docs/pomerium-behaviour.md §1.7 default deny, §3.6 495): Envoy accepts any certificate and
// sends the leaf (URL-encoded PEM in attributes.source.certificate); authz judges it against the
// route CA (else downstream_mtls.ca). Missing, untrusted or expired → 495, never a login redirect.
import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { after, before, test } from 'node:test';
import {
  type AuthzHarness,
  fixture,
  fixtureText,
  startAuthzHarness,
} from '../../helpers/authz-harness.js';
import { MTLS_YAML } from './routes.js';

let h: AuthzHarness;
let token: string;
before(async () => {
  h = await startAuthzHarness({
    yaml: `${MTLS_YAML}    set_request_headers:\n      X-Cert: "$pomerium.client_cert_fingerprint"\n      X-San: "\${pomerium.client_cert_san_email}"\n    pass_identity_headers: true\n`,
  });
  ({ token } = await h.signIn({ email: 'alice@example.com' }));
});
after(async () => {
  await h?.close();
});

const signedIn = (name: string) =>
  fixture(name, (f) => {
    f.attributes.request.http.headers.cookie = `_pomerium=${token}`;
  });

test('allows a signed-in user presenting a certificate issued by the route CA', async () => {
  const res = await h.check(signedIn('mtls-valid'));
  assert.equal(res.status, 200);
  const pem = decodeURIComponent(fixture('mtls-valid').attributes.source!.certificate!);
  const fp = createHash('sha256').update(new X509Certificate(pem).raw).digest('hex');
  assert.equal(res.headers['x-cert'], fp);
  assert.equal(res.headers['x-san'], 'alice@example.com');
});

test('asks an anonymous browser with a valid certificate to sign in', async () => {
  const res = await h.check(fixture('mtls-valid'));
  assert.equal(res.status, 302);
});

const refused: [string, string][] = [
  ['no certificate', 'mtls-none'],
  ['a certificate from another CA', 'mtls-untrusted'],
  ['an expired certificate from the route CA', 'mtls-expired'],
];
for (const [name, file] of refused) {
  test(`answers 495 (no login redirect) for ${name}, signed in or not`, async () => {
    for (const req of [fixture(file), signedIn(file)]) {
      const res = await h.check(req);
      assert.equal(res.allowed, false);
      assert.equal(res.status, 495);
      assert.equal(res.headers.location, undefined);
    }
  });
}

test('a certificate that is not valid PEM is presented but invalid (495)', async () => {
  const res = await h.check(
    fixture('mtls-valid', (f) => {
      f.attributes.source!.certificate =
        '-----BEGIN%20CERTIFICATE-----%0Agarbage%0A-----END%20CERTIFICATE-----%0A';
      f.attributes.request.http.headers.cookie = `_pomerium=${token}`;
    }),
  );
  assert.equal(res.status, 495);
});

test('the route CA wins over downstream_mtls.ca', async () => {
  const other = Buffer.from(fixtureText('other-ca.pem')).toString('base64');
  const h2 = await startAuthzHarness({ yaml: `downstream_mtls:\n  ca: ${other}\n${MTLS_YAML}` });
  try {
    const { token: t } = await h2.signIn({ email: 'alice@example.com' });
    const withT = (name: string) =>
      fixture(name, (f) => {
        f.attributes.request.http.headers.cookie = `_pomerium=${t}`;
      });
    assert.equal((await h2.check(withT('mtls-valid'))).status, 200);
    assert.equal((await h2.check(withT('mtls-untrusted'))).status, 495);
  } finally {
    await h2.close();
  }
});

async function withConfig(extra: string, run: (hh: AuthzHarness, t: string) => Promise<void>) {
  const hh = await startAuthzHarness({ yaml: `${extra}\n${MTLS_YAML}` });
  try {
    const { token: t } = await hh.signIn({ email: 'alice@example.com' });
    await run(hh, t);
  } finally {
    await hh.close();
  }
}
const as = (name: string, t: string) =>
  fixture(name, (f) => {
    f.attributes.request.http.headers.cookie = `_pomerium=${t}`;
  });

test('a certificate revoked by downstream_mtls.crl gets 495; others of the same CA still pass', async () => {
  await withConfig('downstream_mtls:\n  crl_file: client-ca-crl.pem', async (hh, t) => {
    assert.equal((await hh.check(as('mtls-revoked', t))).status, 495);
    assert.equal((await hh.check(as('mtls-valid', t))).status, 200);
  });
});

test('without the CRL the same revoked-serial certificate is accepted (the CRL is what refuses it)', async () => {
  await withConfig('', async (hh, t) => {
    assert.equal((await hh.check(as('mtls-revoked', t))).status, 200);
  });
});

test('match_subject_alt_names: a matching SAN passes, a certificate without one gets 495', async () => {
  await withConfig(
    'downstream_mtls:\n  match_subject_alt_names:\n    - email: ".*@example\\\\.com"',
    async (hh, t) => {
      assert.equal((await hh.check(as('mtls-valid', t))).status, 200);
      assert.equal((await hh.check(as('mtls-revoked', t))).status, 495);
    },
  );
  await withConfig(
    'downstream_mtls:\n  match_subject_alt_names:\n    - dns: "nope\\\\.example\\\\.com"',
    async (hh, t) => {
      assert.equal((await hh.check(as('mtls-valid', t))).status, 495);
    },
  );
});

const unusable: [string, string][] = [
  ['a CRL that is not a CRL', 'downstream_mtls:\n  crl: bm90IGEgY3Js'],
  [
    'a CRL signed by no configured CA',
    `downstream_mtls:\n  crl_file: client-ca-crl.pem\n  ca: ${Buffer.from(fixtureText('other-ca.pem')).toString('base64')}\nroutes:\n  - id: x\n    from: https://x.example.com\n    to: http://up.internal\n    allow_any_authenticated_user: true`,
  ],
  ['an unreadable CRL file', 'downstream_mtls:\n  crl_file: missing.pem'],
];
for (const [name, yaml] of unusable) {
  test(`refuses to start with ${name} (CONFIG_INVALID, never ignored)`, async () => {
    await assert.rejects(
      startAuthzHarness({ yaml: yaml.includes('routes:') ? yaml : `${yaml}\n${MTLS_YAML}` }),
      (err: { code?: string }) => err.code === 'CONFIG_INVALID',
    );
  });
}

// Nothing of ours and nothing forged reaches an upstream (docs/pomerium-behaviour.md §4.5, docs/architecture.md "Non-negotiables"):
// our cookie among others and across repeated Cookie headers, every session token form, the
// pomerium_session query parameter, forged assertion / claim / routing-key / reproxy headers.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  type AuthzHarness,
  type CheckFixture,
  fixture,
  startAuthzHarness,
} from '../../helpers/authz-harness.js';
import { ROUTES_YAML } from './routes.js';

let h: AuthzHarness;
let token: string;
before(async () => {
  h = await startAuthzHarness({ yaml: ROUTES_YAML });
  ({ token } = await h.signIn({ email: 'alice@example.com', claims: { department: ['eng'] } }));
});
after(async () => {
  await h?.close();
});

const request = (route: string, edit: (f: CheckFixture) => void): CheckFixture =>
  fixture('browser-get', (f) => {
    f.attributes.context_extensions = { internal: 'false', route_id: route };
    f.attributes.request.http.host = `${route}.example.com`;
    edit(f);
  });
const headers = (f: CheckFixture) => f.attributes.request.http.headers;

const cookieCases: [string, string, string | null][] = [
  ['our cookie alone', `_pomerium=${'T'}`, null],
  ['our cookie first among others', '_pomerium=T; theme=dark; lang=en', 'theme=dark; lang=en'],
  ['our cookie between others', 'theme=dark; _pomerium=T; lang=en', 'theme=dark; lang=en'],
  [
    'our cookie in a second Cookie header (Envoy joins them with a comma)',
    'theme=dark,_pomerium=T; lang=en',
    'theme=dark; lang=en',
  ],
  ['our cookie twice in two Cookie headers', '_pomerium=T,_pomerium=T; a=1', 'a=1'],
  // the other cookies reach the upstream exactly as sent (issue 11's finding; wire/parse-cookies.ts)
  ['other cookies keep their bytes', 'a=1; _pomerium=T; stillhere ;b=2', 'a=1; stillhere ;b=2'],
  ['no-space separators are kept', 'x="q v";_pomerium=T;y=%20', 'x="q v";y=%20'],
  [
    'a look-alike cookie name is kept',
    '_pomerium=T; _pomerium_csrf=x; x_pomerium=y',
    '_pomerium_csrf=x; x_pomerium=y',
  ],
];
for (const [name, cookie, kept] of cookieCases) {
  test(`strips our cookie: ${name}`, async () => {
    const res = await h.check(
      request('app', (f) => {
        headers(f).cookie = cookie.replaceAll('=T', `=${token}`);
      }),
    );
    assert.equal(res.status, 200);
    if (kept === null) {
      assert.ok(res.headersToRemove.includes('cookie'));
      assert.equal(res.headers.cookie, undefined);
    } else {
      assert.equal(res.headers.cookie, kept);
      assert.ok(!res.headersToRemove.includes('cookie'));
    }
  });
}

const tokenForms: [
  string,
  (f: CheckFixture) => void,
  (r: Awaited<ReturnType<AuthzHarness['check']>>) => void,
][] = [
  [
    'X-Pomerium-Authorization: <jwt>',
    (f) => {
      headers(f)['x-pomerium-authorization'] = token;
    },
    (r) => assert.ok(r.headersToRemove.includes('x-pomerium-authorization')),
  ],
  [
    'Authorization: Pomerium <jwt>',
    (f) => {
      headers(f).authorization = `Pomerium ${token}`;
    },
    (r) => assert.ok(r.headersToRemove.includes('authorization')),
  ],
  [
    'Authorization: Bearer Pomerium-<jwt>',
    (f) => {
      headers(f).authorization = `Bearer Pomerium-${token}`;
    },
    (r) => assert.ok(r.headersToRemove.includes('authorization')),
  ],
  [
    'the pomerium_session query parameter',
    (f) => {
      f.attributes.request.http.path = `/page?a=1&pomerium_session=${token}`;
    },
    (r) => assert.deepEqual(r.queryToRemove, ['pomerium_session']),
  ],
];
for (const [name, edit, check] of tokenForms) {
  test(`accepts and strips the token form ${name}`, async () => {
    const res = await h.check(request('app', edit));
    assert.equal(res.status, 200);
    check(res);
  });
}

test('strips our Authorization token whatever the case of its scheme', async () => {
  for (const value of [
    `pomerium ${token}`,
    `bearer Pomerium-${token}`,
    `BEARER POMERIUM-${token}`,
  ]) {
    const res = await h.check(
      request('app', (f) => {
        headers(f).authorization = value;
      }),
    );
    assert.equal(res.status, 200, value.slice(0, 16));
    assert.ok(res.headersToRemove.includes('authorization'));
  }
});

test('strips a malformed Authorization in our form too: it never reaches the upstream', async () => {
  const res = await h.check(
    request('app', (f) => {
      headers(f).cookie = `_pomerium=${token}`;
      headers(f).authorization = 'Pomerium two words';
    }),
  );
  assert.equal(res.status, 200);
  assert.ok(res.headersToRemove.includes('authorization'));
});

test('keeps an Authorization header that is not ours', async () => {
  const res = await h.check(
    request('app', (f) => {
      headers(f).cookie = `_pomerium=${token}`;
      headers(f).authorization = 'Bearer upstream-api-key';
    }),
  );
  assert.equal(res.status, 200);
  assert.ok(!res.headersToRemove.includes('authorization'));
});

test('overwrites a forged assertion and claim headers with ours, keeping the forged one only as -for', async () => {
  const res = await h.check(
    request('app', (f) => {
      headers(f).cookie = `_pomerium=${token}`;
      headers(f)['x-pomerium-jwt-assertion'] = 'forged.jwt.value';
      headers(f)['x-pomerium-claim-email'] = 'ceo@example.com';
      headers(f)['x-pomerium-claim-department'] = 'finance';
      headers(f)['x-pomerium-claim-admin'] = 'true';
      headers(f)['x-pomerium-routing-key'] = 'forged';
      headers(f)['x-pomerium-reproxy-policy'] = 'x';
      headers(f)['x-pomerium-reproxy-policy-hmac'] = 'y';
    }),
  );
  assert.equal(res.status, 200);
  assert.notEqual(res.headers['x-pomerium-jwt-assertion'], 'forged.jwt.value');
  assert.equal(res.headers['x-pomerium-jwt-assertion']!.split('.').length, 3);
  assert.equal(res.headers['x-pomerium-jwt-assertion-for'], 'forged.jwt.value');
  assert.equal(res.headers['x-pomerium-claim-email'], 'alice@example.com');
  assert.equal(res.headers['x-pomerium-claim-department'], 'eng');
  assert.notEqual(res.headers['x-pomerium-routing-key'], 'forged');
  for (const name of [
    'x-pomerium-claim-admin',
    'x-pomerium-reproxy-policy',
    'x-pomerium-reproxy-policy-hmac',
  ]) {
    assert.ok(res.headersToRemove.includes(name), name);
  }
});

test('removes forged identity headers on a route that does not pass identity headers', async () => {
  const res = await h.check(
    request('quiet', (f) => {
      headers(f).cookie = `_pomerium=${token}`;
      headers(f)['x-pomerium-jwt-assertion'] = 'forged.jwt.value';
      headers(f)['x-pomerium-jwt-assertion-for'] = 'forged.jwt.value';
      headers(f)['x-pomerium-claim-email'] = 'ceo@example.com';
      headers(f)['x-pomerium-routing-key'] = 'forged';
    }),
  );
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-pomerium-jwt-assertion'], undefined);
  assert.equal(res.headers['x-pomerium-claim-email'], undefined);
  for (const name of [
    'x-pomerium-jwt-assertion',
    'x-pomerium-jwt-assertion-for',
    'x-pomerium-claim-email',
    'x-pomerium-routing-key',
    'cookie',
  ]) {
    assert.ok(res.headersToRemove.includes(name), name);
  }
});

test('strips forged identity headers from anonymous requests on a public route too', async () => {
  const res = await h.check(
    request('public', (f) => {
      headers(f)['x-pomerium-claim-email'] = 'ceo@example.com';
      headers(f)['x-pomerium-jwt-assertion'] = 'forged.jwt.value';
    }),
  );
  assert.equal(res.status, 200);
  assert.notEqual(res.headers['x-pomerium-jwt-assertion'], 'forged.jwt.value');
  assert.equal(res.headers['x-pomerium-claim-email'], '');
});

test('claim values with CR/LF cannot smuggle a header: control characters become spaces', async () => {
  const { token: t } = await h.signIn({
    email: 'alice@example.com',
    claims: { department: ['eng\r\nX-Admin: true'] },
  });
  const res = await h.check(
    request('app', (f) => {
      headers(f).cookie = `_pomerium=${t}`;
    }),
  );
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-pomerium-claim-department'], 'eng  X-Admin: true');
  for (const v of Object.values(res.headers)) assert.ok(!/[\r\n]/.test(v));
});

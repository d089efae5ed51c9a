// Clock skew between authorize (signs the sign-in link) and authenticate (checks it), issue 14
// and docs/clock-skew.md: within the leeway sign-in works; beyond it the browser gets a page that
// says the clocks disagree — at once when authenticate is behind, after two restarts when it is
// ahead — never an endless redirect loop.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHarness } from '../../helpers/authn-harness.js';

const MINUTE = 60_000;

test('authenticate 10 minutes ahead: two restarts, then a page naming the clock skew instead of a loop', async () => {
  const h = await startHarness({ now: () => Date.now() + 10 * MINUTE });
  try {
    const b = h.browser();
    const hops: number[] = [];
    let last = await b.request('GET', h.signInUrl());
    hops.push(last.status);
    // What a browser does: back to the route, where authz (the harness) signs a fresh link.
    for (let i = 0; i < 5 && last.status === 302; i++) {
      last = await b.request('GET', h.signInUrl());
      hops.push(last.status);
    }
    assert.deepEqual(hops, [302, 302, 500], 'two restarts, then the loop stops');
    assert.match(last.body, /CLOCK_SKEW|clocks/i);
    assert.match(last.body, /synchronise the clocks/);
  } finally {
    await h.close();
  }
});

test('authenticate 10 minutes behind: the first sign-in link gives the clock-skew page', async () => {
  const h = await startHarness({ now: () => Date.now() - 10 * MINUTE });
  try {
    const r = await h.browser().request('GET', h.signInUrl());
    assert.equal(r.status, 500);
    assert.match(r.body, /clocks of this service.{1,8}s servers disagree/);
  } finally {
    await h.close();
  }
});

for (const skew of [-30_000, 30_000]) {
  test(`a skew of ${skew / 1000} s is within the leeway: sign-in goes to the IdP`, async () => {
    const h = await startHarness({ now: () => Date.now() + skew });
    try {
      const r = await h.browser().request('GET', h.signInUrl());
      assert.equal(r.status, 302);
      assert.equal(new URL(r.location ?? '').origin, h.idp.issuer);
    } finally {
      await h.close();
    }
  });
}

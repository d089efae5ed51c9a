import assert from 'node:assert/strict';
import { test } from 'node:test';
import { computeRouteId, type RouteIdentity } from '../../../wire/index.js';

// Ids are stored (databroker records, metrics labels) and must never change: each expected id
// is what the implementation that hashed JSON.stringify of a sorted copy gave for that route.
const pinned: [string, RouteIdentity, string][] = [
  ['from only', { from: 'https://app.example.com' }, '3d2a60eb9d37d7f4'],
  [
    'a prefix and one upstream',
    { from: 'https://app.example.com', prefix: '/api/', to: [{ url: 'http://a.internal:80' }] },
    '228bf0be72654f5f',
  ],
  [
    'weighted upstreams',
    {
      from: 'https://app.example.com',
      path: '/p',
      to: [
        { url: 'http://a.internal', weight: 1 },
        { url: 'http://b.internal', weight: 2 },
      ],
    },
    '9352f10ec1681015',
  ],
  [
    'a regex, with an undefined prefix',
    {
      from: 'https://app.example.com',
      regex: '^/r/.*$',
      to: [{ url: 'https://u.internal' }],
      prefix: undefined,
    },
    'd79f79e6a6dc54ed',
  ],
  [
    'a redirect',
    {
      from: 'https://app.example.com',
      redirect: { https_redirect: true, host_redirect: 'x.example.com', response_code: 302 },
    },
    '66d428ab87969ab1',
  ],
  [
    'a response with unsorted keys and quotes',
    {
      from: 'https://app.example.com',
      response: { status: 200, body: 'ok "quoted" é', headers: { b: '2', a: '1' } },
    },
    'd0cccfd8e647df4b',
  ],
  [
    'nested lists, nulls, undefined members and unicode',
    {
      from: 'https://ünï.example.com',
      prefix: '/\u2028',
      response: { status: 404, nested: [{ z: 1, a: [null, 'x'] }], u: undefined },
    },
    '06e79f358aa873f9',
  ],
  [
    'an empty upstream list',
    { from: 'tcp+https://db.example.com:5432', to: [] },
    '1aa54ac85a7e2a36',
  ],
];

for (const [name, identity, id] of pinned) {
  test(`the id of a route (${name}) is the one earlier versions gave it`, () => {
    assert.equal(computeRouteId(identity), id);
  });
}

test('keys other than from, prefix, path, regex, to, redirect and response do not change the id', () => {
  const base = { from: 'https://app.example.com', to: [{ url: 'http://a.internal' }] };
  const other = { ...base, allow_websockets: true, timeout: '5s' } as RouteIdentity;
  assert.equal(computeRouteId(other), computeRouteId(base));
  assert.notEqual(computeRouteId({ ...base, prefix: '/x' }), computeRouteId(base));
});

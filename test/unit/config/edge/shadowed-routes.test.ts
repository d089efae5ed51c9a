import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../../../config/index.js';

const HEAD = 'authenticate_service_url: https://auth.example.com\nroutes:\n';
const route = (from: string, match: string) =>
  `  - from: ${from}\n    to: http://a\n${match === '' ? '' : `    ${match}\n`}`;

// [what, first route, second route, shadowed?]
const CASES: [string, string, string, boolean][] = [
  [
    'a / route before /admin',
    route('https://a.example.com', ''),
    route('https://a.example.com', 'prefix: /admin'),
    true,
  ],
  [
    '/app before /application',
    route('https://a.example.com', 'prefix: /app'),
    route('https://a.example.com', 'prefix: /application'),
    true,
  ],
  [
    '/app before the path /app/x',
    route('https://a.example.com', 'prefix: /app'),
    route('https://a.example.com', 'path: /app/x'),
    true,
  ],
  [
    'a path before the same path',
    route('https://a.example.com', 'path: /x'),
    route('https://a.example.com', 'path: /x'),
    true,
  ],
  [
    'another port of the same host',
    route('https://a.example.com', ''),
    route('https://a.example.com:8443', 'prefix: /admin'),
    true,
  ],
  [
    '/admin before /',
    route('https://a.example.com', 'prefix: /admin'),
    route('https://a.example.com', ''),
    false,
  ],
  [
    'a path before a prefix',
    route('https://a.example.com', 'path: /x'),
    route('https://a.example.com', 'prefix: /x'),
    false,
  ],
  [
    'a regex before /admin',
    route('https://a.example.com', 'regex: "^/.*$"'),
    route('https://a.example.com', 'prefix: /admin'),
    false,
  ],
  [
    'another host',
    route('https://a.example.com', ''),
    route('https://b.example.com', 'prefix: /admin'),
    false,
  ],
  [
    'a wildcard host before an exact one',
    route('https://*.example.com', ''),
    route('https://a.example.com', 'prefix: /admin'),
    false,
  ],
];

for (const [what, first, second, shadowed] of CASES) {
  test(`${what} ${shadowed ? 'is' : 'is not'} a route_shadowed warning`, () => {
    // the second route goes elsewhere (same from, match and to would be one route id twice)
    const other = second.replace('http://a', 'http://b');
    const loaded = parseConfigText(HEAD + first + other, { file: 'c.yaml', env: {} });
    const warnings = loaded.warnings.filter((w) => w.code === 'route_shadowed');
    assert.equal(warnings.length, shadowed ? 1 : 0, JSON.stringify(warnings));
    if (shadowed) assert.equal(warnings[0]!.path, 'routes[1]');
  });
}

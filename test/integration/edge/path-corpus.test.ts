// A table of path variants (encodings, `;`, `//`, `\\`, case, overlong UTF-8) through the real
// Envoy on TLS: each one is either refused with 400 (by Envoy or by authz, before any policy),
// or the path the upstream received equals the path authz decided on, and the route Envoy
// matched (the upstream it reached) is the route authz judged — and that path is canonical.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { checkCanonicalPath } from '../../../wire/index.js';
import { type EdgeStack, rawRequest, startEdgeStack } from '../../helpers/edge-stack.js';

const ROUTES = `
routes:
  - id: admin
    from: https://corpus.example.test
    prefix: /admin
    to: "{{admin}}"
    allow_public_unauthenticated_access: true
  - id: public
    from: https://corpus.example.test
    prefix: /public
    to: "{{public}}"
    allow_public_unauthenticated_access: true
  - id: root
    from: https://corpus.example.test
    to: "{{root}}"
    allow_public_unauthenticated_access: true
`;

// Ways to write a dot segment, a separator or nothing special inside one segment.
const SEGMENTS = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E',
  '.%2e',
  '%2e.',
  '%2E.',
  '..;',
  '..;x',
  '%2e%2e;',
  '..%3b',
  '..%3B',
  '.%2e%3b',
  '..;jsessionid=1',
  '%252e%252e',
  '%25252e%25252e',
  '%c0%ae%c0%ae',
  '%c0%2e%c0%2e',
  '%e0%80%ae%e0%80%ae',
  '..%00',
  '%00',
  '..%2f',
  '%2f',
  '%2F',
  '%5c',
  '%5C',
  '..%5c',
  '\\\\..',
  '..\\\\',
  '...',
  '..a',
  'a..',
  '.a',
  ';',
  ';..',
  '%3b',
  '%2e',
  '.;',
  '%u002e%u002e',
  '%%32%65%%32%65',
  '%252f',
  '%255c',
  '%c0%af',
  '%e0%80%af',
  'A',
  'x%20y',
];
// Where the segment goes.
const TEMPLATES = [
  (s: string) => `/public/${s}/admin/secret`,
  (s: string) => `/public/${s}/${s}/admin`,
  (s: string) => `/${s}/admin/secret`,
  (s: string) => `/public/a/${s}/${s}/admin`,
  (s: string) => `/public/${s}`,
];
const OTHERS = [
  '/admin',
  '/ADMIN/x',
  '/Admin/x',
  '/public',
  '/publicity',
  '/public/',
  '/public//admin',
  '//admin/secret',
  '///admin',
  '/public/./admin',
  '/./admin',
  '/public/x/../../admin',
  '/public/%2e/admin',
  '/public;x/admin',
  '/public;/../admin',
  '/admin;/x',
  '/public/admin?x=../..',
  '/public/x?%2e%2e',
  '/public/x#frag',
  '/public/%7e',
  '/public/~user',
  '/public/%41dmin',
  '/%61dmin/secret',
  '/%2561dmin',
  '/public/%ZZ',
  '/public/%',
  '/public/%2',
  '/public/%e9',
  '/public/%c3%a9',
  '/public/\u00e9',
  '/public/\u00c0\u00ae',
  '/public/a b',
  '/public/a\tb',
  '/public/%09',
  '/public/%0d%0a',
  '/public/%0a',
  '*',
  'admin',
  'http://corpus.example.test/admin',
  '/public/..',
  '/public/.',
  '/public/%2e%2e',
  '/admin/..',
  '/admin/../public',
];
const VARIANTS = [...new Set([...TEMPLATES.flatMap((t) => SEGMENTS.map(t)), ...OTHERS])];

let stack: EdgeStack;
before(async () => {
  stack = await startEdgeStack(['admin', 'public', 'root'], ROUTES);
});
after(async () => {
  await stack?.close();
});

test(`the corpus holds at least 200 path variants (${VARIANTS.length})`, () => {
  assert.ok(VARIANTS.length >= 200);
});

test('every path variant is refused with 400, or reaches exactly the upstream and path authz judged', async () => {
  const failures: string[] = [];
  const outcome = { refused: 0, forwarded: 0 };
  for (const path of VARIANTS) {
    const upstreamFrom = stack.received.length;
    const decisionFrom = stack.decisions.length;
    const res = await rawRequest(
      stack.port,
      'corpus.example.test',
      Buffer.from(`GET ${path} HTTP/1.1\r\nhost: corpus.example.test`, 'latin1'),
    );
    const got = stack.received.slice(upstreamFrom);
    const decisions = stack.decisions.slice(decisionFrom);
    if (res.status === 400) {
      outcome.refused++;
      if (got.length > 0) failures.push(`${path}: 400 but the upstream saw ${got[0]!.path}`);
      continue;
    }
    outcome.forwarded++;
    const d = decisions[0];
    const seen = got[0];
    if (res.status !== 200 || d === undefined || seen === undefined || got.length !== 1) {
      failures.push(
        `${path}: ${res.status}, ${decisions.length} decisions, ${got.length} upstream requests`,
      );
      continue;
    }
    const upstreamPath = seen.path.split('?')[0];
    if (seen.upstream !== d.route_id) {
      failures.push(`${path}: authz judged route ${d.route_id}, Envoy sent it to ${seen.upstream}`);
    }
    if (upstreamPath !== d.path) {
      failures.push(`${path}: authz judged ${d.path}, the upstream received ${upstreamPath}`);
    }
    const problem = checkCanonicalPath(upstreamPath ?? '');
    if (problem !== null)
      failures.push(`${path}: the upstream received ${upstreamPath} (${problem})`);
  }
  assert.deepEqual(failures, []);
  assert.ok(outcome.refused > 0 && outcome.forwarded > 0, JSON.stringify(outcome));
});

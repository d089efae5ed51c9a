import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineCounter, parseDocument } from 'yaml';
import { parseConfigText } from '../../../config/index.js';
import { compactPositions } from '../../../config/lib/compact-positions.js';
import { locateNode } from '../../../config/lib/locate-node.js';
import { SECRET } from '../../helpers/config-fixtures.js';

const TEXT = `shared_secret: ${SECRET}
cookie_secret: ${SECRET}
authenticate_service_url: https://authenticate.example.com
policy:
  - from: https://legacy.example.com
    to: http://legacy.internal
    allowed_users: [a@example.com]
routes:
  - from: https://a.example.com
    to: http://a.internal
    policy:
      allow:
        and:
          - email: {is: alice@example.com}
  - {from: "https://b.example.com", to: "http://b.internal", allow_public_unauthenticated_access: true}
  -   from: https://c.example.com
      to: [http://c1.internal, http://c2.internal]
      set_request_headers: {X-Route: c}
      allow_any_authenticated_user: true
`;

function parse(text: string) {
  const lines = new LineCounter();
  return { doc: parseDocument(text, { lineCounter: lines, merge: true }), lines };
}

const PATHS: readonly (readonly (string | number)[])[] = [
  [],
  ['routes'],
  ['policy'],
  ['shared_secret'],
  ['authenticate_service_url'],
  ['no_such_key'],
  ['routes', 0],
  ['routes', 1],
  ['routes', 2],
  ['routes', 3],
  ['policy', 0],
  ['policy', 0, 'allowed_users', 0],
  ['routes', 0, 'policy', 'allow', 'and', 0, 'email', 'is'],
  ['routes', 1, 'allow_public_unauthenticated_access'],
  ['routes', 2, 'to', 1],
  ['routes', 2, 'set_request_headers', 'X-Route'],
  ['routes', 2, 'missing'],
];

test('compact positions answer every path as the full YAML document does', () => {
  const { doc, lines } = parse(TEXT);
  let reparsed = 0;
  const compact = compactPositions(doc, lines, () => {
    reparsed++;
    return parse(TEXT);
  });
  for (const path of PATHS) {
    assert.deepEqual(compact.locate(path), locateNode(doc, lines, path), `path ${path.join('.')}`);
  }
  assert.ok(reparsed >= 1, 'deeper paths parse the kept text again');
});

test('a loaded config still positions routes, legacy policies and nested keys without its document', () => {
  const loaded = parseConfigText(TEXT, { file: 'c.yaml', env: {} });
  const { doc, lines } = parse(TEXT);
  // routes are indexed with the legacy `policy:` entries first
  assert.deepEqual(loaded.locate(['routes', 0]), locateNode(doc, lines, ['policy', 0]));
  assert.deepEqual(loaded.locate(['routes', 1]), locateNode(doc, lines, ['routes', 0]));
  assert.deepEqual(
    loaded.locate(['routes', 3, 'to', 1]),
    locateNode(doc, lines, ['routes', 2, 'to', 1]),
  );
  assert.deepEqual(
    loaded.locate(['routes', 1, 'policy', 'allow', 'and', 0]),
    locateNode(doc, lines, ['routes', 0, 'policy', 'allow', 'and', 0]),
  );
  assert.deepEqual(loaded.locate(['routes', 2]), { line: 15, column: 5 });
});

test('a JSON config is positioned on demand', () => {
  const json = JSON.stringify(
    {
      shared_secret: SECRET,
      routes: [{ from: 'https://a.example.com', to: 'http://a.internal' }],
    },
    null,
    2,
  );
  const loaded = parseConfigText(json, { file: 'c.json', env: {} });
  const { doc, lines } = parse(json);
  assert.deepEqual(loaded.locate(['routes', 0]), locateNode(doc, lines, ['routes', 0]));
  assert.deepEqual(loaded.locate(['routes', 0, 'to']), locateNode(doc, lines, ['routes', 0, 'to']));
});

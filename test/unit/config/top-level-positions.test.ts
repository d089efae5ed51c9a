// The line reader of top-level key positions (config/lib/top-level-positions.ts) against the
// positioned document (locateNode): on every YAML file in the repository and on a table of
// texts built to fool a line reader, it gives the document's position or no answer, never
// another one.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { LineCounter, parseDocument } from 'yaml';
import { parseConfigText } from '../../../config/index.js';
import { locateNode } from '../../../config/lib/locate-node.js';
import { readYamlFast } from '../../../config/lib/read-yaml-fast.js';
import { topLevelPositions } from '../../../config/lib/top-level-positions.js';
import { repoRoot } from '../../helpers/config-fixtures.js';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? e.name === 'node_modules'
        ? []
        : yamlFiles(join(dir, e.name))
      : /\.ya?ml$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}

/** Every answer of the line reader for `text`, each with the document's answer. */
function compare(text: string): { answered: number; asked: number } {
  const fast = readYamlFast(text);
  if (fast === undefined || fast === null || typeof fast !== 'object' || Array.isArray(fast)) {
    return { answered: 0, asked: 0 };
  }
  const keys = Object.keys(fast);
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, merge: true });
  const reader = topLevelPositions(text, keys);
  let answered = 0;
  for (const key of keys) {
    for (const atKey of [false, true]) {
      const got = reader?.locate(key, atKey);
      if (got === undefined) continue;
      answered++;
      assert.deepEqual(
        got,
        locateNode(doc, lines, [key], { key: atKey }),
        `${key} (key: ${atKey})`,
      );
    }
  }
  return { answered, asked: keys.length * 2 };
}

test('on every YAML file of the repository the line reader gives the positioned document’s answer or none', () => {
  const root = repoRoot();
  let answered = 0;
  let asked = 0;
  for (const file of [...yamlFiles(join(root, 'examples')), ...yamlFiles(join(root, 'test'))]) {
    const r = compare(readFileSync(file, 'utf8'));
    answered += r.answered;
    asked += r.asked;
  }
  assert.ok(asked > 100, `only ${asked} keys asked`);
  // it must answer most of the time, or it saves nothing
  assert.ok(answered > asked / 2, `answered ${answered} of ${asked}`);
});

const TEXTS: readonly [string, string][] = [
  ['plain values', 'insecure_server: true\naddress: :8080\nidp_provider_url: http://idp\n'],
  ['quoted and flow values', 'a: "x"\nb: \'y\'\nc: {d: 1}\ne: [1, 2]\n'],
  ['comments and blank lines', '# top\n\na: 1 # one\n\n# mid\nb:   2\n'],
  ['CRLF line ends', 'a: 1\r\nb: two\r\n'],
  ['a value on the next line', 'routes:\n  - from: http://a\n    to: http://b\nb:\n  c: 1\n'],
  ['a block scalar', 'a: |\n  text\n  more\nb: 1\n'],
  ['a folded scalar with keep', 'a: >+\n  text\n\nb: 1\n'],
  ['a document start', '---\na: 1\nb: 2\n'],
  ['a multi-line double-quoted string with a key-like line', 'a: "one\n  b: 2"\nb: 3\n'],
  ['a multi-line plain scalar', 'a: one\n  two\nb: 3\n'],
  ['a double-quoted string continued at the line start', 'a: "one\nb: 2"\nc: 3\n'],
  ['a single-quoted string continued at the line start', "a: 'one\nc: 2'\nc: 3\n"],
  ['a quoted key', '"a": 1\nb: 2\n'],
  ['a key with a dot', 'a.b: 1\nc: 2\n'],
  ['tabs after the colon', 'a:\t1\nb: 2\n'],
  ['an empty value', 'a:\nb: 2\n'],
  ['a null value', 'a: ~\nb: null\nc: 1\n'],
  ['a byte order mark', '\ufeffa: 1\nb: 2\n'],
  ['a key that is a number', '1: a\nb: 2\n'],
];

for (const [name, text] of TEXTS) {
  test(`the line reader is right or silent on ${name}`, () => {
    compare(text);
  });
}

test('a config warning about a top-level key carries the line and column of its value', () => {
  const loaded = parseConfigText(
    [
      '# dev',
      'address: 127.0.0.1:8080',
      'insecure_server:   true',
      'authenticate_service_url: http://authenticate.localhost',
      'idp_provider: oidc',
      'idp_provider_url: https://idp.example.com',
      'idp_client_id: x',
      'idp_client_secret: y',
      'routes:',
      '  - from: http://a.localhost',
      '    to: http://127.0.0.1:9',
      '    allow_public_unauthenticated_access: true',
      '',
    ].join('\n'),
    { file: 'dev.yaml', env: {} },
  );
  const w = loaded.warnings.find((i) => i.path === 'insecure_server');
  assert.ok(w, JSON.stringify(loaded.warnings));
  assert.deepEqual([w.file, w.line, w.column], ['dev.yaml', 3, 20]);
});

// The fast YAML reader (config/lib/read-yaml-fast.ts) gives exactly the value the positioned
// reader gives, or steps aside: differential over every YAML file in the repository and a corpus
// of scalars and shapes where YAML readers are known to differ; and a text the positioned reader
// refuses is never accepted by the fast one.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseDocument } from 'yaml';
import { readYamlFast } from '../../../config/lib/read-yaml-fast.js';
import { generateRoutesConfig } from '../../../examples/generate-routes.js';
import { repoRoot } from '../../helpers/config-fixtures.js';

function positioned(text: string): { ok: true; value: unknown } | { ok: false } {
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) return { ok: false };
  try {
    return { ok: true, value: doc.toJS({ maxAliasCount: 1000 }) ?? null };
  } catch {
    return { ok: false };
  }
}

function agree(text: string, what: string): void {
  const fast = readYamlFast(text);
  const full = positioned(text);
  if (!full.ok) {
    assert.equal(
      fast,
      undefined,
      `${what}: the positioned reader refuses it, the fast one must not read it`,
    );
    return;
  }
  if (fast === undefined) return; // stepped aside
  assert.deepEqual(fast, full.value, what);
}

function yamlFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name.startsWith('.')) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yamlFiles(p, out);
    else if (/\.ya?ml$/.test(name) && !p.includes(`${join('deploy', 'helm')}`)) out.push(p);
  }
  return out;
}

test('every YAML file in the repository reads the same with both readers', () => {
  const files = yamlFiles(repoRoot());
  assert.ok(files.length > 20, `found ${files.length} files`);
  for (const f of files) agree(readFileSync(f, 'utf8'), f);
});

const SCALARS = [
  'yes',
  'no',
  'on',
  'off',
  'y',
  'n',
  'True',
  'TRUE',
  'false',
  'FALSE',
  'null',
  'Null',
  'NULL',
  '~',
  '',
  '0',
  '-0',
  '+1',
  '007',
  '0o17',
  '0O17',
  '0x1F',
  '0X1f',
  '0b101',
  '1_000',
  '1e3',
  '1E3',
  '-1.5e-3',
  '.5',
  '5.',
  '.inf',
  '-.Inf',
  '.NAN',
  '.nan',
  '1:30',
  '1:30:00',
  '2001-12-14',
  '2001-12-14t21:59:43.10-05:00',
  '12:00',
  'https://a.example.com',
  '10s',
  '1h30m',
  '"quoted"',
  "'single'",
  "'it''s'",
  '"esc\\u00e9\\n\\t"',
  '"\\x41"',
  '9007199254740993',
  '0.1',
  '1.0',
  '=',
  'a: b',
  '"#not a comment"',
  'value # comment',
  '@at',
  '`tick`',
  '%pct',
  '^/r/.*$',
  'https://*.example.com',
  '[a, b]',
  '{a: 1}',
  '[]',
  '{}',
  '"multi\n  line"',
  '>-\n  folded\n  text',
  '|\n  literal\n  text\n',
  '|+\n  keep\n\n',
  '>\n  a\n\n  b\n',
];

test('scalars resolve the same with both readers (YAML 1.2 core schema)', () => {
  for (const s of SCALARS) {
    agree(`key: ${s}\n`, `key: ${s}`);
    agree(`- ${s}\n`, `- ${s}`);
  }
});

const SHAPES: readonly [string, string][] = [
  ['an empty document', ''],
  ['only a comment', '# nothing\n'],
  ['a document marker', '---\na: 1\n'],
  ['two documents', 'a: 1\n---\nb: 2\n'],
  ['duplicate keys', 'a: 1\na: 2\n'],
  ['duplicate keys in a route', 'routes:\n  - from: a\n    from: b\n'],
  ['an anchor and alias', 'a: &x {b: 1}\nc: *x\n'],
  ['a merge key', 'base: &b {x: 1}\nr:\n  <<: *b\n  y: 2\n'],
  ['an inline merge key', 'r:\n  <<: {x: 1}\n  y: 2\n'],
  ['a tag', 'a: !!str 1\n'],
  ['a custom tag', 'a: !env FOO\n'],
  ['a complex key', '? [a, b]\n: c\n'],
  ['numeric and boolean keys', '1: a\ntrue: b\n1.5: c\n'],
  ['a null key', '~: a\n'],
  ['a null word key', 'null: a\nb: 1\n'],
  ['an empty key', ': a\n'],
  ['a flow null key', '{~: a}\n'],
  ['a tab in indentation', 'a:\n\tb: 1\n'],
  ['bad indentation', 'a:\n  b: 1\n c: 2\n'],
  ['an unclosed flow', 'a: [1, 2\n'],
  ['an unclosed quote', 'a: "b\n'],
  ['a proto key', '__proto__: {polluted: true}\n'],
  ['a key with spaces', 'a b: 1\n'],
  ['a flow map with a trailing comma', 'a: {b: 1, }\n'],
  ['a BOM', '\uFEFFa: 1\n'],
  ['CRLF lines', 'a: 1\r\nb: [x, y]\r\n'],
  ['a long key', `${'k'.repeat(1100)}: 1\n`],
  ['a long flow key', `{${'k'.repeat(1100)}: 1}\n`],
  ['a long value', `k: ${'v'.repeat(3000)}\n`],
  ['an implicit key over a line', '"a\n b": 1\n'],
  ['a directive', '%YAML 1.2\n---\na: 1\n'],
  ['a 1.1 directive', '%YAML 1.1\n---\na: yes\n'],
  ['nested sequences', 'a:\n- - 1\n  - 2\n- 3\n'],
  ['a billion laughs', 'a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n'],
];

for (const [what, text] of SHAPES) {
  test(`${what}: the fast reader agrees or steps aside`, () => agree(text, what));
}

test('the generated large config reads the same with both readers, and on the fast path', () => {
  const text = generateRoutesConfig(400);
  assert.notEqual(readYamlFast(text), undefined);
  agree(text, 'generated routes');
});

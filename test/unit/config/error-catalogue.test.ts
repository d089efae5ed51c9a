import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CONFIG_ISSUE_CODES } from '../../../config/index.js';
import { repoRoot } from '../../helpers/config-fixtures.js';

const root = repoRoot();
const docs = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
const documented = [...docs.matchAll(/^- `([A-Za-z_]+)` —/gm)].map((m) => m[1]!);

test('docs/errors.md lists exactly the ErrorCode union of config/errors.ts', () => {
  const source = readFileSync(join(root, 'config', 'errors.ts'), 'utf8');
  const union = source.slice(
    source.indexOf('export type ErrorCode'),
    source.indexOf(';', source.indexOf('export type ErrorCode')),
  );
  const codes = [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!).sort();
  assert.deepEqual(documented.filter((c) => /^[A-Z_]+$/.test(c)).sort(), codes);
});

test('docs/errors.md lists exactly the config issue codes', () => {
  assert.deepEqual(
    documented.filter((c) => /^[a-z_]+$/.test(c)).sort(),
    [...CONFIG_ISSUE_CODES].sort(),
  );
});

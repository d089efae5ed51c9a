import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildConfigJsonSchema, buildConfigReference } from '../../../config/describe-config.js';
import { repoRoot } from '../../helpers/config-fixtures.js';

const root = repoRoot();

test('the checked-in JSON Schema matches the zod schema', () => {
  const file = readFileSync(
    join(root, 'config', 'schema', 'portcullis-config.schema.json'),
    'utf8',
  );
  assert.deepEqual(JSON.parse(file), buildConfigJsonSchema());
});

test('the README configuration reference matches the schema', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  assert.ok(
    readme.includes(buildConfigReference()),
    'run node dist/scripts/generate-config-docs.js',
  );
});

test('every key has a description and durations show Go defaults', () => {
  const schema = buildConfigJsonSchema() as {
    properties: Record<
      string,
      {
        description?: string;
        default?: unknown;
        items?: { properties: Record<string, { description?: string }> };
      }
    >;
  };
  for (const [k, s] of Object.entries(schema.properties)) assert.ok(s.description, k);
  for (const [k, s] of Object.entries(schema.properties.routes?.items?.properties ?? {})) {
    assert.ok(s.description, `routes.${k}`);
  }
  assert.equal(schema.properties.cookie_expire?.default, '14h');
});

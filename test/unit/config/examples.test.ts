import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfigFile, parseConfigText } from '../../../config/index.js';
import { generateRoutesConfig } from '../../../examples/generate-routes.js';
import { repoRoot } from '../../helpers/config-fixtures.js';

const root = repoRoot();

for (const [file, routes] of [
  ['examples/quickstart/config.yaml', 3],
  ['examples/pomerium-docs/config.yaml', 6],
] as const) {
  test(`${file} is a valid config with ${routes} routes`, async () => {
    const { config } = await loadConfigFile(join(root, file), { env: {} });
    assert.equal(config.routes.length, routes);
  });
}

test('the route generator writes valid configs with unique route ids', () => {
  const { config } = parseConfigText(generateRoutesConfig(400), { file: 'gen.yaml', env: {} });
  assert.equal(config.routes.length, 400);
  assert.equal(new Set(config.routes.map((r) => r.id)).size, 400);
});

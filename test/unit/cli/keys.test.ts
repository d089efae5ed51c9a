import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateKeysYaml } from '../../../cli/commands/keys.js';
import { parseConfigText } from '../../../config/index.js';

test('keys generate prints secrets the config accepts', () => {
  const { config } = parseConfigText(generateKeysYaml(), { file: 'keys.yaml', env: {} });
  assert.equal(Buffer.from(config.shared_secret ?? '', 'base64').length, 32);
  assert.equal(Buffer.from(config.cookie_secret ?? '', 'base64').length, 32);
  assert.match(config.signing_key ?? '', /^-----BEGIN PRIVATE KEY-----\n/);
});

test('keys generate prints different secrets each time', () => {
  assert.notEqual(generateKeysYaml(), generateKeysYaml());
});

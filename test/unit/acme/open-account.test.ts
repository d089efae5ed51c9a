// Which ACME directory autocert uses (acme/lib/open-account.ts, Pomerium's meaning): autocert_ca
// wins; else Let's Encrypt, its staging directory with autocert_use_staging.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { directoryOf, LETS_ENCRYPT, LETS_ENCRYPT_STAGING } from '../../../acme/index.js';
import { parseConfigText } from '../../../config/index.js';

const CASES: readonly [string, string][] = [
  ['autocert: true', LETS_ENCRYPT],
  ['autocert_use_staging: true', LETS_ENCRYPT_STAGING],
  ['autocert_ca: https://acme.example.com/dir', 'https://acme.example.com/dir'],
  [
    'autocert_ca: https://acme.example.com/dir\nautocert_use_staging: true',
    'https://acme.example.com/dir',
  ],
];

for (const [yaml, want] of CASES) {
  test(`${yaml.replace('\n', ' + ')} orders from ${want}`, () => {
    const { config } = parseConfigText(`${yaml}\nroutes: []\n`, { file: 't.yaml', env: {} });
    assert.equal(directoryOf(config), want);
  });
}

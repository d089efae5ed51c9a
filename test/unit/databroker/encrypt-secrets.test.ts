// IdP tokens are sealed with AES-256-GCM under an HKDF key from shared_secret, bound to the
// record they belong to; tampering, another key or another record fails with RECORD_INVALID.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  deriveRecordKey,
  open,
  openRecordData,
  seal,
  sealRecordData,
} from '../../../databroker/postgres/encrypt-secrets.js';
import { sessionData, userData } from '../../helpers/records.js';

const key = deriveRecordKey('secret-one');

test('seals every token of a session and opens them again', () => {
  const data = sessionData('s1');
  const sealed = sealRecordData(key, 'session', 's1', data);
  assert.doesNotMatch(JSON.stringify(sealed), /SECRET/);
  assert.deepEqual(openRecordData(key, 'session', 's1', sealed), data);
});

test('leaves records without secrets and empty tokens untouched', () => {
  assert.deepEqual(sealRecordData(key, 'user', 'u', userData('u')), userData('u'));
  const noTokens = sessionData('s', { oauth_token: null, id_token: null });
  assert.deepEqual(sealRecordData(key, 'session', 's', noTokens), noTokens);
});

test('uses a fresh nonce for every seal', () => {
  assert.notEqual(seal(key, 'x', 'a'), seal(key, 'x', 'a'));
});

const tampered: { name: string; run: () => unknown }[] = [
  {
    name: 'another shared_secret',
    run: () => open(deriveRecordKey('secret-two'), seal(key, 'x', 'a'), 'a'),
  },
  { name: 'another record', run: () => open(key, seal(key, 'x', 'session/a/f'), 'session/b/f') },
  { name: 'a plaintext value', run: () => open(key, 'plain-token', 'a') },
  { name: 'a truncated value', run: () => open(key, 'enc:v1:AAAA', 'a') },
  {
    name: 'a flipped bit',
    run: () => {
      const s = seal(key, 'token', 'a');
      const last = s.at(-2) === 'A' ? 'B' : 'A';
      return open(key, `${s.slice(0, -2)}${last}${s.at(-1)}`, 'a');
    },
  },
];
for (const t of tampered) {
  test(`refuses to open a value sealed for ${t.name}`, () => {
    assert.throws(t.run, (e: { code?: string }) => e.code === 'RECORD_INVALID');
  });
}

test('refuses an empty shared_secret', () => {
  assert.throws(() => deriveRecordKey(''), TypeError);
});

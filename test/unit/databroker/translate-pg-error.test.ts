// SQLSTATE codes and socket failures become typed databroker errors (one place only).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { translatePgError } from '../../../databroker/postgres/translate-pg-error.js';
import { PortcullisError } from '../../../errors/index.js';

const pgError = (code: string): Error => Object.assign(new Error(`pg ${code}`), { code });

const cases: { name: string; err: unknown; code: string }[] = [
  { name: 'a unique violation', err: pgError('23505'), code: 'RECORD_CONFLICT' },
  { name: 'a serialization failure', err: pgError('40001'), code: 'RETRYABLE' },
  { name: 'a deadlock', err: pgError('40P01'), code: 'RETRYABLE' },
  { name: 'a lock timeout', err: pgError('55P03'), code: 'RETRYABLE' },
  { name: 'a NUL inside JSON text', err: pgError('22P05'), code: 'RECORD_INVALID' },
  { name: 'an admin shutdown', err: pgError('57P01'), code: 'STORE_UNAVAILABLE' },
  { name: 'a connection failure', err: pgError('08006'), code: 'STORE_UNAVAILABLE' },
  { name: 'a refused socket', err: pgError('ECONNREFUSED'), code: 'STORE_UNAVAILABLE' },
  {
    name: 'a terminated connection',
    err: new Error('Connection terminated unexpectedly'),
    code: 'STORE_UNAVAILABLE',
  },
  { name: 'a non-error value', err: 'boom', code: 'STORE_UNAVAILABLE' },
];
for (const c of cases) {
  test(`translates ${c.name} to ${c.code}`, () => {
    const e = translatePgError(c.err);
    assert.ok(e instanceof PortcullisError);
    assert.equal(e.code, c.code);
    assert.equal(e.cause, c.err === 'boom' ? 'boom' : c.err);
  });
}

test('passes a PortcullisError through unchanged', () => {
  const e = new PortcullisError('RECORD_CONFLICT', 'x');
  assert.equal(translatePgError(e), e);
});

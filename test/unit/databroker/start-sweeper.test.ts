// Only the instance holding the sweeper lease sweeps; the lease passes on when it is released.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryStore, startSweeper } from '../../../databroker/index.js';
import { userData } from '../../helpers/records.js';

test('only the sweeper holding the lease sweeps expired records', async () => {
  let clock = 1_000;
  const store = createMemoryStore({ now: () => clock });
  await store.put([{ type: 'user', id: 'u', data: userData('u'), expires_at: 2_000 }]);
  const a = startSweeper(store, { intervalMs: 10_000 });
  const b = startSweeper(store, { intervalMs: 10_000 });
  assert.equal(await a.runOnce(), 0);
  assert.equal(await b.runOnce(), null);
  clock = 2_000;
  assert.equal(await a.runOnce(), 1);
  assert.equal(await b.runOnce(), null);
  await a.stop();
  assert.equal(await b.runOnce(), 0);
  await b.stop();
  await store.close();
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDeadlineWatch } from '../../../authz/grpc/deadline-watch.js';

test('a Check released in time never expires; one that is not expires exactly once', async () => {
  let clock = 0;
  const w = createDeadlineWatch(() => clock);
  let expired = 0;
  let kept = 0;
  const releaseKept = w.watch(10, () => void kept++);
  w.watch(10, () => void expired++);
  releaseKept();
  clock = 11;
  await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(expired, 1);
  assert.equal(kept, 0);
  w.close();
});

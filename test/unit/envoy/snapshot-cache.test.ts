// The snapshot cache serves a node its own snapshot, else the '*' one; after a NACK the node
// gets its last fully ACKed snapshot until a newer one is set; watchers hear every change.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EncodedSnapshot } from '../../../envoy/index.js';
import { createSnapshotCache } from '../../../envoy/xds/snapshot-cache.js';

const snap = (version: string): EncodedSnapshot => ({ version, types: new Map() });

test('serves a node its own snapshot, else the one for every node', () => {
  const cache = createSnapshotCache();
  assert.equal(cache.get('a'), undefined);
  cache.set('*', snap('v1'));
  cache.set('b', snap('b1'));
  assert.equal(cache.get('a')?.version, 'v1');
  assert.equal(cache.get('b')?.version, 'b1');
});

test('after a NACK the node is served its last good snapshot, until a newer one is set', () => {
  const cache = createSnapshotCache();
  const heard: string[] = [];
  cache.watch((n) => heard.push(n));
  cache.set('*', snap('v1'));
  cache.acked('a', 'v1');
  cache.set('*', snap('v2'));
  cache.rejected('a', 'v2');
  assert.equal(cache.get('a')?.version, 'v1');
  assert.equal(cache.get('other')?.version, 'v2');
  cache.set('*', snap('v3'));
  assert.equal(cache.get('a')?.version, 'v3');
  assert.deepEqual(heard, ['*', '*', 'a', '*']);
});

test('a NACK of a version no longer served changes nothing', () => {
  const cache = createSnapshotCache();
  cache.set('*', snap('v1'));
  cache.acked('a', 'v1');
  cache.set('*', snap('v2'));
  cache.rejected('a', 'v1');
  assert.equal(cache.get('a')?.version, 'v2');
});

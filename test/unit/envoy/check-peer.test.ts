// Only loopback peers may read snapshots by default (they carry private keys).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopbackPeer } from '../../../envoy/xds/check-peer.js';

const cases: [string, boolean][] = [
  ['127.0.0.1:5555', true],
  ['127.8.9.1:1', true],
  ['::1:5555', true],
  ['[::1]:5555', true],
  ['::ffff:127.0.0.1:5555', true],
  ['/run/portcullis/xds.sock', true],
  ['10.0.0.7:41234', false],
  ['::ffff:10.0.0.7:41234', false],
  ['192.168.1.1:80', false],
  ['2001:db8::1:443', false],
  ['127.0.0.1.evil.example:1', false],
  ['', false],
];

for (const [peer, allowed] of cases) {
  test(`the ADS peer check ${allowed ? 'allows' : 'refuses'} ${JSON.stringify(peer)}`, () => {
    assert.equal(isLoopbackPeer(peer), allowed);
  });
}

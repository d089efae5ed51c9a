// `grpc-timeout` as the lean Check transport reads it (authz/grpc/lean-check.ts): 1–8 digits and
// a unit; anything else is malformed (the call is refused with OUT_OF_RANGE, never unbounded).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGrpcTimeout } from '../../../authz/grpc/lean-check.js';

test('grpc-timeout values in every unit become milliseconds', () => {
  assert.equal(parseGrpcTimeout('2H'), 7_200_000);
  assert.equal(parseGrpcTimeout('3M'), 180_000);
  assert.equal(parseGrpcTimeout('10S'), 10_000);
  assert.equal(parseGrpcTimeout('250m'), 250);
  assert.equal(parseGrpcTimeout('1500u'), 1.5);
  assert.equal(parseGrpcTimeout('99999999n'), 99.999999);
  assert.equal(parseGrpcTimeout(undefined), undefined);
});

test('malformed grpc-timeout values are refused, not read as no deadline', () => {
  for (const v of ['', '10', 'S', '123456789S', '-1S', '1.5S', '10s ', ' 10S', '10X', '0x10S']) {
    assert.equal(parseGrpcTimeout(v), null, JSON.stringify(v));
  }
  assert.equal(parseGrpcTimeout(['1S', '2S']), null);
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration } from '../../../config/index.js';

const cases: [string, number | undefined][] = [
  ['30s', 30_000],
  ['5m', 300_000],
  ['14h', 50_400_000],
  ['1h30m', 5_400_000],
  ['300ms', 300],
  ['1.5s', 1500],
  ['0', 0],
  ['0s', 0],
  ['1000us', 1],
  ['', undefined],
  ['30', undefined],
  ['5 m', undefined],
  ['1d', undefined],
  ['s', undefined],
];

for (const [input, want] of cases) {
  test(`parses the Go duration ${JSON.stringify(input)} as ${want ?? 'invalid'}`, () => {
    assert.equal(parseDuration(input), want);
  });
}

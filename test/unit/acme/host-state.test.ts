// The retry rule of autocert (acme/lib/host-state.ts): one home for orders and account failures.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AcmeError } from '../../../acme/lib/acme-error.js';
import {
  clearFailures,
  HOUR,
  healthProblem,
  isDue,
  newHostState,
  recordFailure,
} from '../../../acme/lib/host-state.js';

const served = { host: 'app.example.com', cert: 'PEM', key: 'KEY' };
const NOW = 1_000_000;
const BASE = 30_000;

describe('autocert retry rule', () => {
  const cases: [string, AcmeError[], number][] = [
    [
      'retries a first failure after the base delay',
      [new AcmeError('unreachable', 'x')],
      NOW + BASE,
    ],
    [
      'doubles the delay with every further failure',
      [
        new AcmeError('unreachable', 'x'),
        new AcmeError('unreachable', 'x'),
        new AcmeError('unreachable', 'x'),
      ],
      NOW + 4 * BASE,
    ],
    [
      'never waits longer than an hour after failures',
      Array.from({ length: 20 }, () => new AcmeError('connection', 'x')),
      NOW + HOUR,
    ],
    [
      'waits an hour after a rate limit without Retry-After',
      [new AcmeError('rateLimited', 'x')],
      NOW + HOUR,
    ],
    [
      "follows the CA's Retry-After when it gave one",
      [new AcmeError('rateLimited', 'x', NOW + 123_000)],
      NOW + 123_000,
    ],
  ];
  for (const [name, errors, retryAt] of cases) {
    it(name, () => {
      const st = newHostState(served);
      for (const e of errors) recordFailure(st, e, NOW, BASE);
      assert.equal(st.retryAt, retryAt);
      assert.equal(st.failures, errors.length);
      assert.equal(isDue(st, retryAt - 1), false);
      assert.equal(isDue(st, retryAt), true);
    });
  }

  it('reports a failing host with what it serves meanwhile, and nothing once cleared', () => {
    const st = newHostState(served);
    recordFailure(st, new AcmeError('rejectedIdentifier', 'refused'), NOW, BASE);
    const hosts = new Map([[served.host, st]]);
    assert.equal(
      healthProblem(hosts, NOW),
      'app.example.com: refused (serving a self-signed placeholder)',
    );
    clearFailures(st);
    assert.equal(healthProblem(hosts, NOW), null);
    assert.equal(isDue(st, NOW), true);
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePolicyDocument } from '../../../../authz/index.js';
import { naiveDecide } from './naive-reference.js';
import { generator, prng } from './random-policies.js';

const PAIRS = 10_000;
const SEED = Number(process.env.POLICY_PROPERTY_SEED ?? 20261124);

test(`the compiled engine agrees with a naive interpreter on ${PAIRS} random policy/input pairs (seed ${SEED})`, () => {
  const rand = prng(SEED);
  const gen = generator(rand);
  const outcomes: Record<string, number> = {};
  for (let i = 0; i < PAIRS; i++) {
    const doc = gen.doc();
    const { req, id, now, browser } = gen.input();
    const got = compilePolicyDocument(doc).evaluate(req, id, { now });
    const want = naiveDecide(doc, req, id, now, browser);
    const where = `pair ${i} (seed ${SEED}): ${JSON.stringify({ doc, req, id, now })}`;
    assert.deepEqual(
      {
        outcome: got.outcome,
        status: got.status,
        reasons: got.reasons,
        allowReasons: got.allowReasons,
        denyReasons: got.denyReasons,
        allow: got.allow,
        deny: got.deny,
      },
      want,
      where,
    );
    if (got.outcome === 'deny') {
      // the explanation names exactly the criteria behind the reasons
      assert.deepEqual([...new Set(got.failures.map((f) => f.reason))].sort(), got.reasons, where);
    } else assert.equal(got.failures.length, 0, where);
    outcomes[`${got.outcome}:${got.status}`] = (outcomes[`${got.outcome}:${got.status}`] ?? 0) + 1;
  }
  // the generator reaches every outcome often enough to mean something
  for (const k of ['allow:200', 'deny:403', 'deny:495', 'login:302', 'login:401']) {
    assert.ok((outcomes[k] ?? 0) > PAIRS / 50, `${k}: ${JSON.stringify(outcomes)}`);
  }
});

// `outcomeOnly` evaluations (the routes portal, authz/respond/answer-routes-portal.ts) decide
// exactly as full ones: the same outcome, status and reasons on random policy/input pairs; only
// a denial's failures and explanation may be left out.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compilePolicyDocument } from '../../../../authz/index.js';
import { generator, prng } from './random-policies.js';

const PAIRS = 3000;
const SEED = Number(process.env.POLICY_PROPERTY_SEED ?? 20261207);

test(`an outcome-only evaluation decides as a full one on ${PAIRS} random policy/input pairs (seed ${SEED})`, () => {
  const gen = generator(prng(SEED));
  let denials = 0;
  for (let i = 0; i < PAIRS; i++) {
    const policy = compilePolicyDocument(gen.doc());
    const { req, id, now } = gen.input();
    const full = policy.evaluate(req, id, { now });
    const bare = policy.evaluate(req, id, { now, outcomeOnly: true });
    const pick = (d: typeof full) => ({
      outcome: d.outcome,
      status: d.status,
      reasons: d.reasons,
      allowReasons: d.allowReasons,
      denyReasons: d.denyReasons,
      allow: d.allow,
      deny: d.deny,
    });
    assert.deepEqual(pick(bare), pick(full), `pair ${i} (seed ${SEED})`);
    if (full.outcome === 'deny') denials++;
  }
  assert.ok(denials > PAIRS / 10, `only ${denials} denials: the table means little`);
});

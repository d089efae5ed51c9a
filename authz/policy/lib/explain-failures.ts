// Explanations of a denial, read off the results recorded during evaluation (no re-evaluation):
// for each block that decided the action, the criteria that gave it its reasons, with what the
// policy wanted and what the request had.
import type { PolicyFailure, PolicyIdentity, PolicyRequest } from '../types.js';
import { IS_TRUE, REASONS } from './reasons.js';
import type { Block } from './rule-set.js';

export interface BlockMeta {
  readonly block: Block;
  /** Index of its first criterion in the results array. */
  readonly base: number;
}

/**
 * The failing criteria of one action. `decidedValue` is the action's merged value; `wantTrue`
 * says which way each criterion should have gone (true for allow rules, false for deny rules).
 */
export function explainFailures(
  blocks: readonly BlockMeta[],
  blockValues: Uint8Array,
  results: Uint8Array,
  decidedValue: boolean,
  wantTrue: boolean,
  input: { req: PolicyRequest; id: PolicyIdentity | null; now: number },
): PolicyFailure[] {
  const out: PolicyFailure[] = [];
  const seen = new Set<string>();
  blocks.forEach(({ block, base }, b) => {
    const value = blockValues[b] === 1;
    if (value !== decidedValue) return;
    const inverted = block.op === 'not' || block.op === 'nor';
    block.criteria.forEach((c, i) => {
      const r = results[base + i]!;
      const effective = (IS_TRUE[r] === 1) !== inverted;
      if (effective !== value) return;
      const wanted = wantTrue !== inverted ? c.wanted : c.wantedNot;
      const reason = REASONS[r]!;
      // the same criterion in several rules is named once
      const key = `${c.key}\n${wanted}\n${reason}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ criterion: c.key, wanted, got: c.got(input.req, input.id, input.now), reason });
    });
  });
  return out;
}

// One operator block as a closure (docs/pomerium-behaviour.md §1.2): evaluates every criterion, records each
// reason index for explanations, and returns the block's value and reason mask packed in one
// number (no allocation per request). `not` = none of, `nor` = not all of.
import type { PolicyIdentity, PolicyRequest } from '../types.js';
import { BIT, IS_TRUE } from './reasons.js';
import type { Block } from './rule-set.js';

/** `(value ? 2^32 : 0) + mask`: mask is an int32, so packed ≥ 2^31 exactly when value is true. */
export type BlockFn = (
  req: PolicyRequest,
  id: PolicyIdentity | null,
  now: number,
  results: Uint8Array,
) => number;

const TRUE = 4294967296;

/** The value of a packed block result. */
export const packedValue = (p: number): boolean => p >= 2147483648;
/** The reason mask of a packed block result. */
export const packedMask = (p: number): number => p | 0;

/** Compiles a block whose criteria record their reasons at `results[base + i]`. */
export function compileBlock(block: Block, base: number): BlockFn {
  const tests = block.criteria.map((c) => c.test);
  const n = tests.length;
  // t: reasons of true results, f: reasons of false ones (a reason bit is never 0)
  const finish: (t: number, f: number) => number =
    block.op === 'and'
      ? (t, f) => (f === 0 ? TRUE + t : f)
      : block.op === 'or'
        ? (t, f) => (t !== 0 ? TRUE + t : f)
        : block.op === 'not'
          ? (t, f) => (t === 0 ? TRUE + f : t)
          : (t, f) => (f !== 0 ? TRUE + f : t);
  return (req, id, now, results) => {
    let t = 0;
    let f = 0;
    for (let i = 0; i < n; i++) {
      const r = tests[i]!(req, id, now);
      results[base + i] = r;
      if (IS_TRUE[r] === 1) t |= BIT[r]!;
      else f |= BIT[r]!;
    }
    return finish(t, f);
  };
}

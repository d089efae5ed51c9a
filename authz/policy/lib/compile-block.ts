// One operator block as a closure (docs/pomerium-behaviour.md §1.2): evaluates every criterion, records each
// reason index for explanations, and returns the block's value and reason mask packed in one
// number (no allocation per request). `not` = none of, `nor` = not all of.
import type { PolicyIdentity, PolicyRequest } from '../types.js';
import { BIT, BIT_HI, IS_TRUE } from './reasons.js';
import type { Block } from './rule-set.js';

/**
 * `(value ? 2^32 : 0) + mask`: mask is an int32, so packed ≥ 2^31 exactly when value is true.
 * The second word of the same result is left in `blockHi` (evaluation is synchronous).
 */
export type BlockFn = (
  req: PolicyRequest,
  id: PolicyIdentity | null,
  now: number,
  results: Uint8Array,
) => number;

const TRUE = 4294967296;

/** The second reason word of the block result returned last. */
export let blockHi = 0;

/** The value of a packed block result. */
export const packedValue = (p: number): boolean => p >= 2147483648;
/** The reason mask of a packed block result. */
export const packedMask = (p: number): number => p | 0;

/** Compiles a block whose criteria record their reasons at `results[base + i]`. */
export function compileBlock(block: Block, base: number): BlockFn {
  const tests = block.criteria.map((c) => c.test);
  const n = tests.length;
  // and/or report the reasons of their true criteria when true, of the false ones when false;
  // not/nor the other way round. Which criteria decide: and/not all (none), or/nor any.
  const positive = block.op === 'and' || block.op === 'or';
  const all = block.op === 'and' || block.op === 'not';
  return (req, id, now, results) => {
    let t = 0;
    let f = 0;
    let th = 0;
    let fh = 0;
    for (let i = 0; i < n; i++) {
      const r = tests[i]!(req, id, now);
      results[base + i] = r;
      if (IS_TRUE[r] === 1) {
        t |= BIT[r]!;
        th |= BIT_HI[r]!;
      } else {
        f |= BIT[r]!;
        fh |= BIT_HI[r]!;
      }
    }
    // and: no false criterion; or: a true one; not: no true one; nor: a false one
    const value = all ? (positive ? f | fh : t | th) === 0 : (positive ? t | th : f | fh) !== 0;
    if (value === positive) {
      blockHi = th;
      return value ? TRUE + t : t;
    }
    blockHi = fh;
    return value ? TRUE + f : f;
  };
}

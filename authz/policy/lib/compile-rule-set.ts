// A rule set as one CompiledPolicy: blocks become closures over a results buffer reused by every
// evaluation (evaluation is synchronous), allow and deny are OR-merged across blocks, and the
// decision is taken with its reasons in the same pass.
import type { CompiledPolicy, PolicyIdentity, PolicyRequest } from '../types.js';
import { wantsLoginRedirect } from '../want-login-redirect.js';
import { type BlockFn, compileBlock } from './compile-block.js';
import { decide, type Merged } from './decide.js';
import { type BlockMeta, explainFailures } from './explain-failures.js';
import type { Block, RuleSet } from './rule-set.js';

interface Side {
  readonly metas: BlockMeta[];
  readonly fns: BlockFn[];
  readonly values: Uint8Array;
}

function side(blocks: readonly Block[], start: number): { side: Side; next: number } {
  let base = start;
  const metas: BlockMeta[] = [];
  const fns: BlockFn[] = [];
  for (const block of blocks) {
    metas.push({ block, base });
    fns.push(compileBlock(block, base));
    base += block.criteria.length;
  }
  return { side: { metas, fns, values: new Uint8Array(blocks.length) }, next: base };
}

/** OR-merge of an action's blocks: value and mask packed like a block's. */
function runSide(
  s: Side,
  req: PolicyRequest,
  id: PolicyIdentity | null,
  now: number,
  results: Uint8Array,
): number {
  let any = false;
  let trueMask = 0;
  let allMask = 0;
  const fns = s.fns;
  for (let b = 0; b < fns.length; b++) {
    const p = fns[b]!(req, id, now, results);
    const mask = p | 0;
    allMask |= mask;
    if (p >= 2147483648) {
      any = true;
      trueMask |= mask;
      s.values[b] = 1;
    } else s.values[b] = 0;
  }
  return any ? 4294967296 + trueMask : allMask;
}

export function compileRuleSet(routeId: string, rules: RuleSet): CompiledPolicy {
  const allow = side(rules.allow, 0);
  const deny = side(rules.deny, allow.next);
  const results = new Uint8Array(deny.next);
  const empty = rules.allow.length === 0 && rules.deny.length === 0;
  return Object.freeze({
    routeId,
    evaluate(req: PolicyRequest, id: PolicyIdentity | null, opts: { now: number }) {
      const now = opts.now;
      const a = runSide(allow.side, req, id, now, results);
      const d = runSide(deny.side, req, id, now, results);
      const merged: Merged = {
        allow: a >= 2147483648,
        allowMask: a | 0,
        deny: d >= 2147483648,
        denyMask: d | 0,
      };
      return decide(merged, {
        empty,
        wantsRedirect: () => wantsLoginRedirect(req),
        failures: (denySide) => {
          const s = denySide ? deny.side : allow.side;
          return explainFailures(
            s.metas,
            s.values,
            results,
            denySide ? merged.deny : merged.allow,
            !denySide,
            {
              req,
              id,
              now,
            },
          );
        },
      });
    },
  });
}

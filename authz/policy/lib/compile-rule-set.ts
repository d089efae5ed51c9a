// A rule set as one CompiledPolicy: blocks become closures over a results buffer reused by every
// evaluation (evaluation is synchronous), allow and deny are OR-merged across blocks, and the
// decision is taken with its reasons in the same pass.
import type { CompiledPolicy, PolicyIdentity, PolicyRequest } from '../types.js';
import { wantsLoginRedirect } from '../want-login-redirect.js';
import { type BlockFn, blockHi, compileBlock } from './compile-block.js';
import { decide, type Explainer } from './decide.js';
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

/** The second reason word of the side result returned last. */
let sideHi = 0;

/** OR-merge of an action's blocks, packed like a block's result (second word in sideHi). */
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
  let trueHi = 0;
  let allHi = 0;
  const fns = s.fns;
  for (let b = 0; b < fns.length; b++) {
    const p = fns[b]!(req, id, now, results);
    const mask = p | 0;
    const hi = blockHi;
    allMask |= mask;
    allHi |= hi;
    if (p >= 2147483648) {
      any = true;
      trueMask |= mask;
      trueHi |= hi;
      s.values[b] = 1;
    } else s.values[b] = 0;
  }
  sideHi = any ? trueHi : allHi;
  return any ? 4294967296 + trueMask : allMask;
}

export function compileRuleSet(routeId: string, rules: RuleSet): CompiledPolicy {
  const a = side(rules.allow, 0);
  const d = side(rules.deny, a.next);
  const allow = a.side;
  const deny = d.side;
  const results = new Uint8Array(d.next);
  // The request being decided, for explanations and the redirect check. Evaluation is
  // synchronous, so they only ever run inside `evaluate`, while `req` is set.
  let req: PolicyRequest | null = null;
  const current = (): PolicyRequest => {
    if (req === null) throw new Error('policy explanation asked for outside an evaluation');
    return req;
  };
  let id: PolicyIdentity | null = null;
  let now = 0;
  let aP = 0;
  let dP = 0;
  const explainer: Explainer = {
    empty: rules.allow.length === 0 && rules.deny.length === 0,
    noAllow: rules.allow.length === 0,
    failures: (denySide) =>
      denySide
        ? explainFailures(deny.metas, deny.values, results, dP >= 2147483648, false, {
            req: current(),
            id,
            now,
          })
        : explainFailures(allow.metas, allow.values, results, aP >= 2147483648, true, {
            req: current(),
            id,
            now,
          }),
  };
  // For outcomeOnly evaluations: a denial without its failing criteria (EvaluateOptions).
  const bare: Explainer = {
    empty: explainer.empty,
    noAllow: explainer.noAllow,
    failures: () => [],
  };
  const wantsRedirect = () => wantsLoginRedirect(current());
  return Object.freeze({
    routeId,
    evaluate(
      request: PolicyRequest,
      identity: PolicyIdentity | null,
      opts: { now: number; outcomeOnly?: boolean },
    ) {
      req = request;
      id = identity;
      now = opts.now;
      aP = runSide(allow, request, identity, now, results);
      const aH = sideHi;
      dP = runSide(deny, request, identity, now, results);
      const decision = decide(
        aP,
        dP,
        opts.outcomeOnly === true ? bare : explainer,
        wantsRedirect,
        aH,
        sideHi,
      );
      // keep no request data between decisions
      req = null;
      id = null;
      return decision;
    },
  });
}

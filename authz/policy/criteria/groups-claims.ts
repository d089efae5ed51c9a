// List criteria: `groups` matches the groups authz resolved for the user (IdP groups claim plus
// group records); `claim/<path>` matches one claim's values (missing claim = empty list).

import { type CriterionCompiler, qList } from '../lib/criterion.js';
import { compileListMatcher } from '../lib/list-matcher.js';
import { sessionCriterion } from '../lib/session-criterion.js';
import type { PolicyIdentity } from '../types.js';

export const compileGroups: CriterionCompiler = (value, _sub, ctx) => {
  const m = compileListMatcher(value, ctx);
  if (m === undefined) return undefined;
  return sessionCriterion({
    key: 'groups',
    ok: 'groups-ok',
    fail: 'groups-unauthorized',
    wanted: `groups must ${m.describe}`,
    wantedNot: `groups must not ${m.describe}`,
    test: (id) => m.test(id.groups),
    got: (id) =>
      id.groups.length === 0 ? 'you are in no groups' : `you are in ${qList(id.groups, '')}`,
  });
};

const EMPTY: readonly unknown[] = [];

/** A claim path prepared once: the literal key, the dotted key, and its segments. */
export interface ClaimPath {
  readonly literal: string;
  readonly dotted: string;
  readonly segs: readonly string[];
}

export function claimPath(path: string): ClaimPath {
  const segs = path.split(/[/.]/);
  return { literal: path, dotted: segs.join('.'), segs };
}

/**
 * The values of a claim: the literal key first (`kubernetes.io/namespace`), then the path split
 * on `/` and `.` and joined with `.` (claims are flattened to dotted keys), then a walk through
 * nested objects kept as values.
 */
export function claimValues(claims: PolicyIdentity['claims'], p: ClaimPath): readonly unknown[] {
  if (Object.hasOwn(claims, p.literal)) return claims[p.literal]!;
  if (Object.hasOwn(claims, p.dotted)) return claims[p.dotted]!;
  const segs = p.segs;
  for (let i = segs.length - 1; i >= 1; i--) {
    const head = segs.slice(0, i).join('.');
    if (!Object.hasOwn(claims, head)) continue;
    let values: unknown[] = [...claims[head]!];
    for (const seg of segs.slice(i)) {
      const next: unknown[] = [];
      for (const v of values) {
        if (v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, seg)) {
          const x = (v as Record<string, unknown>)[seg];
          if (Array.isArray(x)) next.push(...x);
          else next.push(x);
        }
      }
      values = next;
    }
    return values;
  }
  return EMPTY;
}

export const compileClaim: CriterionCompiler = (value, sub, ctx) => {
  if (sub === undefined || sub === '') {
    ctx.problem('claim needs a claim name: claim/<name>');
    return undefined;
  }
  const m = compileListMatcher(value, ctx);
  if (m === undefined) return undefined;
  const key = `claim/${sub}`;
  const path = claimPath(sub);
  return sessionCriterion({
    key,
    ok: 'claim-ok',
    fail: 'claim-unauthorized',
    wanted: `claim ${sub} must ${m.describe}`,
    wantedNot: `claim ${sub} must not ${m.describe}`,
    test: (id) => m.test(claimValues(id.claims, path)),
    got: (id) => {
      const vs = claimValues(id.claims, path);
      return vs.length === 0 ? `you have no ${sub} claim` : `your ${sub} claim is ${qList(vs, '')}`;
    },
  });
};

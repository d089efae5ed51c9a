// The string-list matcher (docs/pomerium-behaviour.md §1.4, for groups and claim/*): a bare scalar means `has`; an
// object ANDs has (some element equals), is (exactly one element, equal) and exclude (none equal).
import { type CompileContext, q } from './criterion.js';

export interface ListMatcher {
  readonly test: (list: readonly unknown[]) => boolean;
  /** Verb phrase for explanations: "contain `admins`". */
  readonly describe: string;
}

type Scalar = string | number | boolean;

const isScalar = (v: unknown): v is Scalar =>
  typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

const OPS: Readonly<Record<string, (v: Scalar) => ListMatcher>> = {
  has: (v) => ({ test: (l) => l.includes(v), describe: `contain ${q(v)}` }),
  is: (v) => ({ test: (l) => l.length === 1 && l[0] === v, describe: `be exactly [${q(v)}]` }),
  exclude: (v) => ({ test: (l) => !l.includes(v), describe: `not contain ${q(v)}` }),
};

/** Compiles a list matcher value; reports problems at `ctx.at` and returns undefined. */
export function compileListMatcher(value: unknown, ctx: CompileContext): ListMatcher | undefined {
  if (isScalar(value)) return OPS.has!(value);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.problem('needs a value or an object of list matcher operators (has, is, exclude)');
    return undefined;
  }
  const parts: ListMatcher[] = [];
  let ok = true;
  for (const [op, arg] of Object.entries(value)) {
    const build = OPS[op];
    if (build === undefined) {
      ctx.problem(`unknown list matcher operator "${op}" (use has, is, exclude)`, [op]);
      ok = false;
    } else if (!isScalar(arg)) {
      ctx.problem(`list matcher operator ${op} needs a string, number or boolean`, [op]);
      ok = false;
    } else parts.push(build(arg));
  }
  if (!ok) return undefined;
  if (parts.length === 0) {
    ctx.problem('needs at least one list matcher operator (has, is, exclude)');
    return undefined;
  }
  if (parts.length === 1) return parts[0]!;
  const tests = parts.map((p) => p.test);
  return {
    test: (l) => {
      for (let i = 0; i < tests.length; i++) if (!tests[i]!(l)) return false;
      return true;
    },
    describe: parts.map((p) => p.describe).join(' and '),
  };
}

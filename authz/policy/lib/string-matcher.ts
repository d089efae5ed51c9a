// The string matcher (docs/pomerium-behaviour.md §1.4): a bare string means `is`; an object ANDs its operators
// is, not, starts_with, ends_with, contains, in, not_in. Unknown operators are config errors.
import { type CompileContext, q } from './criterion.js';

export interface StringMatcher {
  readonly test: (s: string) => boolean;
  /** Verb phrase for explanations: "be `x`", "start with `/api`". */
  readonly describe: string;
}

/** Literal canonicalisation applied at compile time (identity, or lower case for emails). */
export type Canonical = (literal: string) => string;

type Op = (
  arg: unknown,
  ctx: CompileContext,
  at: string,
  canon: Canonical,
) => StringMatcher | undefined;

function str(build: (v: string) => (s: string) => boolean, verb: string): Op {
  return (arg, ctx, at, canon) => {
    if (typeof arg !== 'string') {
      ctx.problem(`string matcher operator ${at} needs a string`, [at]);
      return undefined;
    }
    const v = canon(arg);
    return { test: build(v), describe: `${verb} ${q(v)}` };
  };
}

function list(negate: boolean): Op {
  return (arg, ctx, at, canon) => {
    if (!Array.isArray(arg) || !arg.every((x) => typeof x === 'string')) {
      ctx.problem(`string matcher operator ${at} needs a list of strings`, [at]);
      return undefined;
    }
    const values = (arg as string[]).map(canon);
    const set = new Set<string>(values);
    const words = values.map(q).join(', ');
    return negate
      ? { test: (s) => !set.has(s), describe: `not be one of ${words}` }
      : { test: (s) => set.has(s), describe: `be one of ${words}` };
  };
}

const OPS: Readonly<Record<string, Op>> = {
  is: str((v) => (s) => s === v, 'be'),
  not: str((v) => (s) => s !== v, 'not be'),
  starts_with: str((v) => (s) => s.startsWith(v), 'start with'),
  ends_with: str((v) => (s) => s.endsWith(v), 'end with'),
  contains: str((v) => (s) => s.includes(v), 'contain'),
  in: list(false),
  not_in: list(true),
};

/** Compiles a string matcher value; reports problems at `ctx.at` and returns undefined. */
export function compileStringMatcher(
  value: unknown,
  ctx: CompileContext,
  canon: Canonical = (v) => v,
): StringMatcher | undefined {
  if (typeof value === 'string') return OPS.is!(value, ctx, 'is', canon);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.problem('needs a string or an object of string matcher operators');
    return undefined;
  }
  const parts: StringMatcher[] = [];
  let ok = true;
  for (const [op, arg] of Object.entries(value)) {
    const build = OPS[op];
    if (build === undefined) {
      ctx.problem(`unknown string matcher operator "${op}" (use ${Object.keys(OPS).join(', ')})`, [
        op,
      ]);
      ok = false;
      continue;
    }
    const m = build(arg, ctx, op, canon);
    if (m === undefined) ok = false;
    else parts.push(m);
  }
  if (!ok) return undefined;
  if (parts.length === 0) {
    ctx.problem('needs at least one string matcher operator');
    return undefined;
  }
  if (parts.length === 1) return parts[0]!;
  const tests = parts.map((p) => p.test);
  return {
    test: (s) => {
      for (let i = 0; i < tests.length; i++) if (!tests[i]!(s)) return false;
      return true;
    },
    describe: parts.map((p) => p.describe).join(' and '),
  };
}

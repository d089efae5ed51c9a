// What a compiled criterion is: a closure giving one reason index per request, plus the words
// used to explain it ("email must be `a@x`" / "your email is `b@x`").
import type { PolicyIdentity, PolicyRequest } from '../types.js';

/** A key path into the config (or the policy document), e.g. `['routes', 2, 'policy', 'allow']`. */
export type PolicyPath = readonly (string | number)[];

/** One problem found while compiling, at a path. */
export interface PolicyProblem {
  readonly path: PolicyPath;
  readonly message: string;
  /** Where to point in the source when that differs from `path` (e.g. the item of a bad key). */
  readonly pos?: PolicyPath;
}

/**
 * One compilation (a whole config, or one document): the problems found, and the criteria
 * compiled so far by key and value, so that routes repeating a criterion share one closure.
 */
export interface CompileSession {
  readonly problems: PolicyProblem[];
  readonly interned: Map<string, Criterion>;
}

export function compileSession(): CompileSession {
  return { problems: [], interned: new Map() };
}

export interface Criterion {
  /** Criterion key as written, e.g. `claim/department`. */
  readonly key: string;
  /** What the policy wants, e.g. "email must be `a@x`". */
  readonly wanted: string;
  /** The same, negated (for deny rules and `not`), e.g. "email must not be `a@x`". */
  readonly wantedNot: string;
  /** Evaluates the criterion: the index (lib/reasons.ts) of the one reason it produced. */
  test(req: PolicyRequest, id: PolicyIdentity | null, now: number): number;
  /** What the request had, for explanations ('' when there is nothing to say). */
  got(req: PolicyRequest, id: PolicyIdentity | null, now: number): string;
}

/** Compile-time context of one criterion: where it is, and where problems go. */
export interface CompileContext {
  /** Path of the criterion's value. */
  readonly at: PolicyPath;
  /** Records a problem at `at` (plus an optional sub-path). */
  problem(message: string, sub?: PolicyPath): void;
}

/** Turns a criterion's value (and `/subpath`) into a Criterion, or reports problems. */
export type CriterionCompiler = (
  value: unknown,
  subpath: string | undefined,
  ctx: CompileContext,
) => Criterion | undefined;

/** Back-quotes a value for explanations: `admins`. */
export function q(v: unknown): string {
  return `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;
}

/** Back-quotes a list: `eng`, `ops` (or the given text when empty). */
export function qList(vs: readonly unknown[], empty: string): string {
  return vs.length === 0 ? empty : vs.map(q).join(', ');
}

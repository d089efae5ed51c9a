// The compiled shape of a PPL document: per action, the operator blocks of all its rules (they
// are OR-merged), each block a list of compiled criteria.
import type { Criterion } from './criterion.js';

export type Operator = 'and' | 'or' | 'not' | 'nor';

export interface Block {
  readonly op: Operator;
  readonly criteria: readonly Criterion[];
}

export interface RuleSet {
  readonly allow: readonly Block[];
  readonly deny: readonly Block[];
}

export const EMPTY_RULES: RuleSet = { allow: [], deny: [] };

/** Concatenates rule sets (order kept: it only orders explanations). */
export function mergeRules(...sets: readonly RuleSet[]): RuleSet {
  const used = sets.filter((s) => s !== EMPTY_RULES);
  if (used.length <= 1) return used[0] ?? EMPTY_RULES;
  return {
    allow: sets.flatMap((s) => s.allow),
    deny: sets.flatMap((s) => s.deny),
  };
}

// Reads a PPL document (docs/pomerium-behaviour.md §1.1): one rule object or a list of them; actions allow/deny;
// operators and/or/not/nor (`action` ignored) holding lists of single-key criteria. Every problem
// is reported with its path; criteria are compiled here, once.
import { CRITERIA, UNSUPPORTED, WITH_SUBPATH } from './criteria-table.js';
import type { CompileContext, CompileSession, Criterion, PolicyPath } from './criterion.js';
import type { Block, Operator, RuleSet } from './rule-set.js';

const OPERATORS: ReadonlySet<string> = new Set(['and', 'or', 'not', 'nor']);

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Compiles one `{name[/subpath]: value}` criterion. */
export function compileCriterion(
  key: string,
  value: unknown,
  at: PolicyPath,
  session: CompileSession,
): Criterion | undefined {
  let id: string | undefined;
  try {
    id = `${key}\u0000${JSON.stringify(value)}`;
  } catch {
    id = undefined;
  }
  const hit = id === undefined ? undefined : session.interned.get(id);
  if (hit !== undefined) return hit;
  const before = session.problems.length;
  const c = compileFresh(key, value, at, session.problems);
  if (c !== undefined && id !== undefined && session.problems.length === before) {
    session.interned.set(id, c);
  }
  return c;
}

function compileFresh(
  key: string,
  value: unknown,
  at: PolicyPath,
  problems: CompileSession['problems'],
): Criterion | undefined {
  const slash = key.indexOf('/');
  const name = slash < 0 ? key : key.slice(0, slash);
  const sub = slash < 0 ? undefined : key.slice(slash + 1);
  const compile = CRITERIA.get(name);
  if (compile === undefined) {
    problems.push({
      path: at,
      pos: at.slice(0, -1),
      message: UNSUPPORTED.has(name)
        ? `policy criterion "${name}" is not supported by Portcullis`
        : `unknown policy criterion: ${name}`,
    });
    return undefined;
  }
  if (sub !== undefined && !WITH_SUBPATH.has(name)) {
    problems.push({
      path: at,
      pos: at.slice(0, -1),
      message: `policy criterion ${name} takes no /subpath`,
    });
    return undefined;
  }
  const ctx: CompileContext = {
    at,
    problem: (message, more) => problems.push({ path: [...at, ...(more ?? [])], message }),
  };
  return compile(value, sub, ctx);
}

function parseBlock(op: Operator, list: unknown, at: PolicyPath, s: CompileSession) {
  const out = s.problems;
  if (!Array.isArray(list)) {
    out.push({ path: at, message: `${op} needs a list of criteria` });
    return undefined;
  }
  const criteria: Criterion[] = [];
  let ok = true;
  list.forEach((item, i) => {
    const keys = isObject(item) ? Object.keys(item) : [];
    if (keys.length !== 1) {
      out.push({
        path: [...at, i],
        message: 'each criteria may only contain a single key and value',
      });
      ok = false;
      return;
    }
    const key = keys[0]!;
    const c = compileCriterion(key, (item as Record<string, unknown>)[key], [...at, i, key], s);
    if (c === undefined) ok = false;
    else criteria.push(c);
  });
  return ok ? criteria : undefined;
}

function parseAction(value: unknown, at: PolicyPath, s: CompileSession): Block[] {
  const out = s.problems;
  if (!isObject(value)) {
    out.push({ path: at, message: 'needs an object of operators (and, or, not, nor)' });
    return [];
  }
  const blocks: Block[] = [];
  for (const [op, list] of Object.entries(value)) {
    if (op === 'action') continue;
    if (!OPERATORS.has(op)) {
      out.push({
        path: [...at, op],
        message: `unsupported conditional "${op}": only and, or, not, nor and action are allowed`,
      });
      continue;
    }
    const criteria = parseBlock(op as Operator, list, [...at, op], s);
    // empty operator lists contribute nothing (docs/pomerium-behaviour.md §1.1)
    if (criteria !== undefined && criteria.length > 0)
      blocks.push({ op: op as Operator, criteria });
  }
  return blocks;
}

function parseRule(rule: unknown, at: PolicyPath, s: CompileSession, into: RuleSet): void {
  const out = s.problems;
  if (!isObject(rule)) {
    out.push({ path: at, message: 'a policy rule must be an object with allow and/or deny' });
    return;
  }
  for (const action of Object.keys(rule).sort()) {
    if (action !== 'allow' && action !== 'deny') {
      out.push({
        path: [...at, action],
        pos: at,
        message: `unsupported action "${action}": use allow or deny`,
      });
      continue;
    }
    (into[action] as Block[]).push(...parseAction(rule[action], [...at, action], s));
  }
}

/** Parses and compiles a PPL document found at `at`; problems go to the session. */
export function parsePolicyDocument(doc: unknown, at: PolicyPath, s: CompileSession): RuleSet {
  const rules: RuleSet = { allow: [], deny: [] };
  if (Array.isArray(doc)) {
    doc.forEach((r, i) => {
      parseRule(r, [...at, i], s, rules);
    });
  } else if (isObject(doc)) parseRule(doc, at, s, rules);
  else
    s.problems.push({
      path: at,
      message: 'a policy must be a rule object or a list of rule objects',
    });
  return rules;
}

// `portcullis policy test FILE…`: runs YAML test files of cases (input + expected outcome, and
// optionally status and reasons) against a config route or a PPL document; prints each failing
// case with the difference, ends with `N passed, N failed`, exits 1 on any failure.
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { stdout } from 'node:process';
import { parse } from 'yaml';
import * as z from 'zod';
import { type PolicyDecision, parsePolicyInput } from '../../authz/policy/index.js';
import { ConfigError, formatConfigIssues, PortcullisError } from '../../config/index.js';
import { type PolicyArgs, parsePolicyArgs, sourceOf } from './policy-args.js';
import { loadPolicy, type PolicySource } from './policy-source.js';

export const TEST_HELP = `Usage: portcullis policy test [-c CONFIG] [--route ID] [--policy FILE] TEST.yaml…

Runs policy test files. Each file names what it tests (config + route, or policy: a PPL file
or an inline document; paths relative to the test file; -c/--route/--policy give defaults)
and a list of cases:
  config: ../config.yaml
  route: wiki
  cases:
    - name: engineers may read the wiki
      input: {request: {url: https://wiki.example.com/}, identity: {email: a@example.com, groups: [engineering]}}
      expect: {outcome: allow, status: 200, reasons: [groups-ok]}
Prints each failing case with the difference; the last line is "N passed, N failed".

Exit codes: 0 all passed, 1 a case failed or a file is invalid, 2 usage error.
`;

const caseSchema = z.strictObject({
  name: z.string().min(1),
  route: z.string().min(1).optional(),
  input: z.unknown(),
  expect: z.strictObject({
    outcome: z.enum(['allow', 'deny', 'login']),
    status: z.number().int().optional(),
    reasons: z.array(z.string()).optional(),
  }),
});

const fileSchema = z.strictObject({
  description: z.string().optional(),
  config: z.string().min(1).optional(),
  route: z.string().min(1).optional(),
  policy: z.unknown().optional(),
  cases: z.array(caseSchema).min(1),
});

type TestCase = z.infer<typeof caseSchema>;
type TestFile = z.infer<typeof fileSchema>;

function caseSource(
  file: string,
  t: TestFile,
  c: TestCase,
  defaults: PolicyArgs,
): PolicySource | string {
  const here = (p: string) => resolve(dirname(file), p);
  if (t.policy !== undefined) {
    return typeof t.policy === 'string'
      ? { kind: 'file', file: here(t.policy) }
      : { kind: 'inline', doc: t.policy, file };
  }
  const config = t.config !== undefined ? here(t.config) : defaults.config;
  const route = c.route ?? t.route ?? defaults.route;
  if (config !== undefined && route !== undefined) return { kind: 'route', config, route };
  const fromArgs = sourceOf(defaults);
  if (fromArgs !== undefined && !('error' in fromArgs)) return fromArgs;
  return 'name a policy: config + route, or policy (in the file or as options)';
}

/** The differences between an expectation and a decision ([] when it matches). */
export function differences(expect: TestCase['expect'], d: PolicyDecision): string[] {
  const out: string[] = [];
  if (expect.outcome !== d.outcome)
    out.push(`outcome: expected ${expect.outcome}, got ${d.outcome}`);
  if (expect.status !== undefined && expect.status !== d.status) {
    out.push(`status: expected ${expect.status}, got ${d.status}`);
  }
  if (expect.reasons !== undefined) {
    const want = [...new Set(expect.reasons)].sort();
    if (want.join('\n') !== d.reasons.join('\n')) {
      out.push(`reasons: expected [${want.join(', ')}], got [${d.reasons.join(', ')}]`);
    }
  }
  return out;
}

function describeError(err: unknown): string {
  if (err instanceof ConfigError) return formatConfigIssues(err.issues);
  if (err instanceof PortcullisError) return err.message;
  throw err;
}

async function runFile(file: string, defaults: PolicyArgs): Promise<[number, number]> {
  let t: TestFile;
  try {
    const parsed = fileSchema.safeParse(parse(await readFile(file, 'utf8')));
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) => `${i.path.join('.') || '(file)'}: ${i.message}`);
      stdout.write(`FAIL ${file}: not a policy test file\n  ${why.join('\n  ')}\n`);
      return [0, 1];
    }
    t = parsed.data;
  } catch (err) {
    stdout.write(`FAIL ${file}: ${(err as Error).message.split('\n')[0]}\n`);
    return [0, 1];
  }
  let passed = 0;
  let failed = 0;
  for (const [i, c] of t.cases.entries()) {
    const label = `${file} › ${c.name}`;
    const fail = (lines: string[]) => {
      failed++;
      stdout.write(`FAIL ${label}\n${lines.map((l) => `  ${l}\n`).join('')}`);
    };
    const src = caseSource(file, t, c, defaults);
    if (typeof src === 'string') {
      fail([src]);
      continue;
    }
    const input = parsePolicyInput(c.input);
    if ('problems' in input) {
      fail(input.problems.map((p) => `cases[${i}].input.${p.path}: ${p.message}`));
      continue;
    }
    let d: PolicyDecision;
    try {
      const policy = await loadPolicy(src);
      const now = input.now ?? Date.now();
      d = 'evaluate' in policy ? policy.evaluate(input.request, input.identity, { now }) : policy;
    } catch (err) {
      fail(describeError(err).split('\n'));
      continue;
    }
    const diff = differences(c.expect, d);
    if (diff.length === 0) {
      passed++;
      stdout.write(`ok   ${label}\n`);
    } else fail([...diff, `explanation: ${d.explanation}`]);
  }
  return [passed, failed];
}

export async function runTest(args: readonly string[]): Promise<number | { usage: string }> {
  const a = parsePolicyArgs(args, true);
  if ('error' in a) return { usage: a.error };
  if (a.help) {
    stdout.write(TEST_HELP);
    return 0;
  }
  if (a.files.length === 0) return { usage: 'give one or more test files' };
  if (a.policy !== undefined && (a.config !== undefined || a.route !== undefined)) {
    return { usage: '--policy cannot be combined with -c/--route' };
  }
  let passed = 0;
  let failed = 0;
  for (const file of a.files) {
    const [p, f] = await runFile(file, a);
    passed += p;
    failed += f;
  }
  stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

// `portcullis policy test FILE…`: runs YAML test files of cases (input + expected outcome, and
// optionally status and reasons) against a config route or a PPL document; prints each failing
// case with the difference, ends with `N passed, N failed`, exits 1 on any failure. `--format json`
// prints one JSON document and `--format junit` JUnit XML (which CI systems display) instead.
// Every problem inside a test file starts with FILE:LINE:COL (where editors and CI jump to).
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { stdout } from 'node:process';
import { type Document, LineCounter, parseDocument } from 'yaml';
import * as z from 'zod';
import { type PolicyDecision, parsePolicyInput } from '../../authz/policy/index.js';
import { ConfigError, formatConfigIssues, locateNode } from '../../config/index.js';
import { PortcullisError } from '../../errors/index.js';
import { type PolicyArgs, parsePolicyArgs, sourceOf } from './policy-args.js';
import { loadPolicy, type PolicySource } from './policy-source.js';

export const TEST_HELP = `Usage: portcullis policy test [-c CONFIG] [--route ID] [--policy FILE] [--format F] TEST.yaml…

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
--format json prints {passed, failed, results: [{file, name, ok, problems}]} instead (name null
for a file that could not be read); --format junit prints JUnit XML (one testsuite per file).

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
  return keyedDifferences(expect, d).map((x) => x.text);
}

/** differences() with the `expect` key each one is about. */
function keyedDifferences(
  expect: TestCase['expect'],
  d: PolicyDecision,
): { key: 'outcome' | 'status' | 'reasons'; text: string }[] {
  const out: { key: 'outcome' | 'status' | 'reasons'; text: string }[] = [];
  if (expect.outcome !== d.outcome)
    out.push({ key: 'outcome', text: `outcome: expected ${expect.outcome}, got ${d.outcome}` });
  if (expect.status !== undefined && expect.status !== d.status) {
    out.push({ key: 'status', text: `status: expected ${expect.status}, got ${d.status}` });
  }
  if (expect.reasons !== undefined) {
    const want = [...new Set(expect.reasons)].sort();
    if (want.join('\n') !== d.reasons.join('\n')) {
      out.push({
        key: 'reasons',
        text: `reasons: expected [${want.join(', ')}], got [${d.reasons.join(', ')}]`,
      });
    }
  }
  return out;
}

/** Prefixes `text` with FILE:LINE:COL of the node at `path` in the test file (when found). */
function positioned(
  file: string,
  located: { doc: Document; lines: LineCounter },
  path: readonly PropertyKey[],
  text: string,
): string {
  const at = locateNode(located.doc, located.lines, path);
  return at === undefined ? `${file}: ${text}` : `${file}:${at.line}:${at.column}: ${text}`;
}

/** `cases.0.input` → ['cases', 0, 'input'] (numeric segments index sequences). */
const pathOf = (dotted: string): PropertyKey[] =>
  dotted === '' ? [] : dotted.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));

function describeError(err: unknown): string {
  if (err instanceof ConfigError) return formatConfigIssues(err.issues);
  if (err instanceof PortcullisError) return err.message;
  throw err;
}

/** One case's result, or a whole file's when it cannot be run (name null). */
export interface CaseResult {
  readonly file: string;
  readonly name: string | null;
  readonly ok: boolean;
  /** For a failed file: its headline first ("not a policy test file"), then the details. */
  readonly problems: readonly string[];
}

async function runFile(file: string, defaults: PolicyArgs): Promise<CaseResult[]> {
  let t: TestFile;
  const lines = new LineCounter();
  let located: { doc: Document; lines: LineCounter };
  try {
    const doc = parseDocument(await readFile(file, 'utf8'), {
      lineCounter: lines,
      prettyErrors: false,
    });
    located = { doc, lines };
    const syntax = doc.errors[0];
    if (syntax !== undefined) {
      const at = lines.linePos(syntax.pos[0]);
      const message = syntax.message.split('\n')[0] ?? '';
      return [
        { file, name: null, ok: false, problems: [`${file}:${at.line}:${at.col}: ${message}`] },
      ];
    }
    const parsed = fileSchema.safeParse(doc.toJS());
    if (!parsed.success) {
      const why = parsed.error.issues.map((i) =>
        positioned(file, located, i.path, `${i.path.join('.') || '(file)'}: ${i.message}`),
      );
      return [{ file, name: null, ok: false, problems: ['not a policy test file', ...why] }];
    }
    t = parsed.data;
  } catch (err) {
    const message = (err as Error).message.split('\n')[0] ?? '';
    return [{ file, name: null, ok: false, problems: [message] }];
  }
  const results: CaseResult[] = [];
  for (const [i, c] of t.cases.entries()) {
    const fail = (problems: string[]) => {
      results.push({ file, name: c.name, ok: false, problems });
    };
    const src = caseSource(file, t, c, defaults);
    if (typeof src === 'string') {
      fail([positioned(file, located, ['cases', i], src)]);
      continue;
    }
    const input = parsePolicyInput(c.input);
    if ('problems' in input) {
      fail(
        input.problems.map((p) =>
          positioned(
            file,
            located,
            ['cases', i, 'input', ...pathOf(p.path)],
            `cases[${i}].input.${p.path}: ${p.message}`,
          ),
        ),
      );
      continue;
    }
    let d: PolicyDecision;
    try {
      const policy = await loadPolicy(src);
      const now = input.now ?? Date.now();
      d = 'evaluate' in policy ? policy.evaluate(input.request, input.identity, { now }) : policy;
    } catch (err) {
      const [first = '', ...rest] = describeError(err).split('\n');
      // an inline policy is in this file: point at it; a config or PPL file names its own place
      const where = src.kind === 'inline' ? positioned(file, located, ['policy'], first) : first;
      fail([where, ...rest]);
      continue;
    }
    const diff = keyedDifferences(c.expect, d);
    if (diff.length === 0) results.push({ file, name: c.name, ok: true, problems: [] });
    else
      fail([
        ...diff.map((x) => positioned(file, located, ['cases', i, 'expect', x.key], x.text)),
        `explanation: ${d.explanation}`,
      ]);
  }
  return results;
}

const count = (results: readonly CaseResult[]) => {
  const failed = results.filter((r) => !r.ok).length;
  return { passed: results.length - failed, failed };
};

/** The text report: a line per case, the failures' differences indented, then the counts. */
export function formatText(results: readonly CaseResult[]): string {
  const out: string[] = [];
  for (const r of results) {
    if (r.name === null) {
      const [headline, ...details] = r.problems;
      out.push(`FAIL ${r.file}: ${headline}\n${details.map((l) => `  ${l}\n`).join('')}`);
    } else if (r.ok) out.push(`ok   ${r.file} › ${r.name}\n`);
    else out.push(`FAIL ${r.file} › ${r.name}\n${r.problems.map((l) => `  ${l}\n`).join('')}`);
  }
  const { passed, failed } = count(results);
  return `${out.join('')}${passed} passed, ${failed} failed\n`;
}

export function formatJson(results: readonly CaseResult[]): string {
  return `${JSON.stringify({ ...count(results), results }, null, 2)}\n`;
}

/** Text as XML character data or attribute value (characters XML 1.0 cannot hold dropped). */
function xml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** JUnit XML: one <testsuite> per test file, one <testcase> per case (or for the file). */
export function formatJunit(results: readonly CaseResult[]): string {
  const files = [...new Set(results.map((r) => r.file))];
  const total = count(results);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="portcullis policy test" tests="${results.length}" failures="${total.failed}" errors="0">`,
  ];
  for (const file of files) {
    const mine = results.filter((r) => r.file === file);
    const c = count(mine);
    lines.push(
      `  <testsuite name="${xml(file)}" tests="${mine.length}" failures="${c.failed}" errors="0" skipped="0">`,
    );
    for (const r of mine) {
      const name = xml(r.name ?? '(file)');
      if (r.ok) {
        lines.push(`    <testcase classname="${xml(file)}" name="${name}"/>`);
        continue;
      }
      lines.push(
        `    <testcase classname="${xml(file)}" name="${name}">`,
        `      <failure message="${xml(r.problems[0] ?? 'failed')}">${xml(r.problems.join('\n'))}</failure>`,
        '    </testcase>',
      );
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}

const FORMATS: Record<string, (results: readonly CaseResult[]) => string> = {
  text: formatText,
  json: formatJson,
  junit: formatJunit,
};

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
  const render = FORMATS[a.format ?? 'text'];
  if (render === undefined) {
    return { usage: `--format must be text, json or junit (got '${a.format}')` };
  }
  const results: CaseResult[] = [];
  for (const file of a.files) results.push(...(await runFile(file, a)));
  stdout.write(render(results));
  return count(results).failed > 0 ? 1 : 0;
}

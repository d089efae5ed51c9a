// CLI conventions (issue 17): --version, migrate exits 0 when there is nothing to migrate, and
// policy test reports as JSON or JUnit XML for CI systems, with the same exit codes as text.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { repoRoot, tempDir } from '../../helpers/config-fixtures.js';

const here = fileURLToPath(import.meta.url);
const mainFile = here.endsWith('.ts')
  ? join(repoRoot(), 'cli', 'main.ts')
  : join(dirname(here), '..', '..', '..', 'cli', 'main.js');
const ex = (f: string) => join(repoRoot(), 'examples', 'policies', f);

function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...process.execArgv, mainFile, ...args],
      { env: { PATH: process.env.PATH ?? '' } },
      (error, out, err) => {
        if (error !== null && typeof error.code !== 'number') reject(error);
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, out, err });
      },
    );
  });
}

function file(name: string, text: string): string {
  const f = join(tempDir(), name);
  writeFileSync(f, text);
  return f;
}

test('portcullis --version prints the package version and exits 0', async () => {
  const { version } = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as {
    version: string;
  };
  for (const flag of ['--version', '-v']) {
    const r = await run([flag]);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `portcullis ${version}\n`);
  }
});

test('migrate exits 0 and says so when the config has nothing to migrate (memory databroker)', async () => {
  const config = file(
    'memory.yaml',
    'authenticate_service_url: https://auth.example.com\ndatabroker_storage_type: memory\nroutes: []\n',
  );
  const r = await run(['migrate', '-c', config]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /nothing to migrate/);
});

/** One passing and one failing case, the failing one's name full of XML's special characters. */
function mixedTestFile(): string {
  return file(
    'mixed.test.yaml',
    `config: ${ex('config.yaml')}
route: wiki
cases:
  - name: engineers may read the wiki
    input:
      request: {url: https://wiki.example.com/}
      identity: {userId: u1, email: e@example.com, groups: [engineering]}
    expect: {outcome: allow}
  - name: sales <b> & "quotes" may read the wiki
    input:
      request: {url: https://wiki.example.com/}
      identity: {userId: u2, email: s@example.com, groups: [sales]}
    expect: {outcome: allow, status: 200}
`,
  );
}

test('policy test --format json reports every case with its problems and keeps the exit code', async () => {
  const t = mixedTestFile();
  const broken = file('broken.test.yaml', 'cases: [{name: x, expect: {outcome: maybe}}]\n');
  const r = await run(['policy', 'test', '--format', 'json', t, broken]);
  assert.equal(r.code, 1, r.err);
  const report = JSON.parse(r.out) as {
    passed: number;
    failed: number;
    results: { file: string; name: string | null; ok: boolean; problems: string[] }[];
  };
  assert.equal(report.passed, 1);
  assert.equal(report.failed, 2);
  assert.deepEqual(
    report.results.map((c) => [c.file, c.name, c.ok]),
    [
      [t, 'engineers may read the wiki', true],
      [t, 'sales <b> & "quotes" may read the wiki', false],
      [broken, null, false],
    ],
  );
  // problems inside the test file carry FILE:LINE:COL (the expectation that failed)
  assert.ok(
    report.results[1]?.problems.some((p) =>
      /\.yaml:\d+:\d+: outcome: expected allow, got deny$/.test(p),
    ),
  );
  assert.equal(report.results[2]?.problems[0], 'not a policy test file');

  const ok = await run(['policy', 'test', '--format=json', ex('config.test.yaml')]);
  assert.equal(ok.code, 0, ok.out);
  assert.equal((JSON.parse(ok.out) as { failed: number }).failed, 0);
});

/** Tags balance and every `&` starts an entity: enough to catch an unescaped name. */
function assertWellFormed(xml: string): void {
  const body = xml.replace(/^<\?xml[^>]*\?>\n/, '');
  assert.doesNotMatch(body, /&(?!(amp|lt|gt|quot|apos);)/);
  const stack: string[] = [];
  for (const m of body.matchAll(/<(\/?)([a-z]+)((?:\s+[a-z]+="[^"<]*")*)\s*(\/?)>/g)) {
    if (m[1] === '/') assert.equal(stack.pop(), m[2]);
    else if (m[4] !== '/') stack.push(m[2] as string);
  }
  assert.deepEqual(stack, []);
  assert.equal(body.replace(/<[^<>]*>/g, '').includes('<'), false, 'no stray <');
}

test('policy test --format junit prints well-formed JUnit XML with a failure per failing case', async () => {
  const t = mixedTestFile();
  const r = await run(['policy', 'test', '--format', 'junit', t]);
  assert.equal(r.code, 1, r.err);
  assertWellFormed(r.out);
  assert.match(r.out, /<testsuites name="portcullis policy test" tests="2" failures="1"/);
  assert.match(r.out, /<testsuite name="[^"]*mixed\.test\.yaml" tests="2" failures="1"/);
  assert.match(r.out, /<testcase classname="[^"]*" name="engineers may read the wiki"\/>/);
  assert.match(
    r.out,
    /<testcase classname="[^"]*" name="sales &lt;b&gt; &amp; &quot;quotes&quot; may read the wiki">\n\s*<failure message="[^"]*\.yaml:\d+:\d+: outcome: expected allow, got deny">/,
  );
});

test('policy test refuses an unknown --format, and policy eval refuses --format (usage, exit 2)', async () => {
  const bad = await run(['policy', 'test', '--format', 'tap', ex('config.test.yaml')]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--format must be text, json or junit/);
  const evalFormat = await run(['policy', 'eval', '--format', 'json']);
  assert.equal(evalFormat.code, 2);
  assert.match(evalFormat.err, /--format is an option of policy test/);
});

type ValidateReport = {
  file: string;
  valid: boolean;
  routes: number | null;
  problems: { code: string; file: string; line: number; column: number; path: string }[];
  warnings: { code: string; line: number; path: string }[];
};

test('validate --format json reports a valid config with its warnings, and problems with positions', async () => {
  const quickstart = join(repoRoot(), 'examples', 'quickstart', 'config.yaml');
  const ok = await run(['validate', '-c', quickstart, '--format', 'json']);
  assert.equal(ok.code, 0, ok.err);
  const good = JSON.parse(ok.out) as ValidateReport;
  assert.equal(good.valid, true);
  assert.equal(good.routes, 3);
  assert.deepEqual(good.problems, []);
  assert.ok(good.warnings.some((w) => w.path === 'insecure_server' && w.line > 0));

  const bad = file(
    'bad.yaml',
    'authenticate_service_url: https://auth.example.com\nshared_secert: abc\nroutes:\n  - from: https://app.example.com\n    to: "http//app:8080"\n',
  );
  const r = await run(['validate', '-c', bad, '--format=json']);
  assert.equal(r.code, 1, r.err);
  const report = JSON.parse(r.out) as ValidateReport;
  assert.equal(report.valid, false);
  assert.deepEqual(
    report.problems.slice(0, 2).map((p) => [p.file, p.line, p.column, p.path]),
    [
      [bad, 2, 1, 'shared_secert'],
      [bad, 5, 9, 'routes[0].to[0]'],
    ],
  );
  assert.equal(report.problems[0]?.code, 'unknown_key');

  const usage = await run(['validate', '-c', bad, '--format', 'xml']);
  assert.equal(usage.code, 2);
});

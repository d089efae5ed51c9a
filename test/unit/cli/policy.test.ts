import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { repoRoot, tempDir } from '../../helpers/config-fixtures.js';

const here = fileURLToPath(import.meta.url);
const mainFile = here.endsWith('.ts')
  ? join(repoRoot(), 'cli', 'main.ts')
  : join(dirname(here), '..', '..', '..', 'cli', 'main.js');
const ex = (f: string) => join(repoRoot(), 'examples', 'policies', f);

/** Runs `portcullis ARGS` (stdin optional) and captures exit code, stdout and stderr. */
function run(args: string[], input?: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      process.execPath,
      [...process.execArgv, mainFile, ...args],
      { env: { PATH: process.env.PATH ?? '' } },
      (error, out, err) => {
        if (error !== null && typeof error.code !== 'number') reject(error);
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, out, err });
      },
    );
    child.stdin?.end(input ?? '');
  });
}

function file(name: string, text: string): string {
  const f = join(tempDir(), name);
  writeFileSync(f, text);
  return f;
}

const lastLine = (s: string) => s.trim().split('\n').at(-1);

test('policy test passes every example test file and ends with the counts', async () => {
  const r = await run(['policy', 'test', ex('config.test.yaml'), ex('on-call.test.yaml')]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.equal(lastLine(r.out), '17 passed, 0 failed');
});

test('policy test prints a failing case with the difference and exits 1', async () => {
  const t = file(
    'wrong.test.yaml',
    `config: ${ex('config.yaml')}
route: wiki
cases:
  - name: sales may read the wiki
    input:
      request: {url: https://wiki.example.com/}
      identity: {userId: u1, email: s@example.com, groups: [sales]}
    expect: {outcome: allow, status: 200, reasons: [groups-ok]}
  - name: engineers may
    input:
      request: {url: https://wiki.example.com/}
      identity: {userId: u1, email: e@example.com, groups: [engineering]}
    expect: {outcome: allow}
`,
  );
  const r = await run(['policy', 'test', t]);
  assert.equal(r.code, 1);
  assert.match(r.out, /^FAIL .* › sales may read the wiki$/m);
  // each difference points at its expectation in the test file (FILE:LINE:COL)
  assert.ok(r.out.includes(`  ${t}:8:23: outcome: expected allow, got deny\n`), r.out);
  assert.ok(r.out.includes(`  ${t}:8:38: status: expected 200, got 403\n`), r.out);
  assert.ok(
    r.out.includes(
      `  ${t}:8:52: reasons: expected [groups-ok], got [claim-unauthorized, groups-unauthorized]\n`,
    ),
    r.out,
  );
  assert.equal(lastLine(r.out), '1 passed, 1 failed');
});

test('policy test with an inline policy and -c/--route defaults', async () => {
  const inline = file(
    'inline.test.yaml',
    `policy: {allow: {or: [{http_method: GET}]}}
cases:
  - name: GET passes
    input: {request: {url: https://x.example.com/}}
    expect: {outcome: allow, reasons: [http-method-ok]}
`,
  );
  const byFlags = file(
    'flags.test.yaml',
    `cases:
  - name: the status page is public
    input: {request: {url: https://status.example.com/}}
    expect: {outcome: allow}
`,
  );
  const r = await run([
    'policy',
    'test',
    '-c',
    ex('config.yaml'),
    '--route',
    'status',
    inline,
    byFlags,
  ]);
  assert.equal(r.code, 0, r.out);
  assert.equal(lastLine(r.out), '2 passed, 0 failed');
});

test('policy test counts a broken test file as a failure', async () => {
  const t = file('broken.test.yaml', 'cases: [{name: x, expect: {outcome: maybe}}]\n');
  const r = await run(['policy', 'test', t]);
  assert.equal(r.code, 1);
  assert.equal(lastLine(r.out), '0 passed, 1 failed');
});

test('policy eval prints the decision of a config route as one JSON object', async () => {
  const r = await run([
    'policy',
    'eval',
    '-c',
    ex('config.yaml'),
    '--route',
    'wiki',
    '--input',
    ex('inputs/carl-wiki.json'),
  ]);
  assert.equal(r.code, 0, r.err);
  const d = JSON.parse(r.out);
  assert.equal(d.outcome, 'deny');
  assert.equal(d.status, 403);
  assert.deepEqual(d.reasons, ['groups-ok']);
  assert.deepEqual(d.denyReasons, ['groups-ok']);
  assert.deepEqual(d.allowReasons, ['groups-ok']);
  assert.equal(d.failures[0].criterion, 'groups');
  assert.equal(typeof d.explanation, 'string');
});

test('policy eval reads the input from stdin and takes a route by its from URL', async () => {
  const input = JSON.stringify({ request: { url: 'https://status.example.com/' }, identity: null });
  const r = await run(
    [
      'policy',
      'eval',
      '-c',
      ex('config.yaml'),
      '--route',
      'https://status.example.com',
      '--input',
      '-',
    ],
    input,
  );
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(r.out).reasons, ['accept']);
});

test('policy eval of an unknown route gives the 404 decision', async () => {
  const r = await run([
    'policy',
    'eval',
    '-c',
    ex('config.yaml'),
    '--route',
    'nope',
    '--input',
    ex('inputs/carl-wiki.json'),
  ]);
  assert.equal(r.code, 0);
  const d = JSON.parse(r.out);
  assert.equal(d.status, 404);
  assert.deepEqual(d.reasons, ['route-not-found']);
});

test('policy eval --policy: an anonymous API client must log in with 401', async () => {
  const p = file('p.yaml', 'allow:\n  and:\n    - email: {ends_with: "@example.com"}\n');
  const i = file(
    'i.json',
    JSON.stringify({
      request: { url: 'https://a.example.com/', headers: { Accept: 'application/json' } },
    }),
  );
  const r = await run(['policy', 'eval', '--policy', p, '--input', i]);
  assert.equal(r.code, 0, r.err);
  const d = JSON.parse(r.out);
  assert.equal(d.outcome, 'login');
  assert.equal(d.status, 401);
});

test('policy eval --policy reports an invalid policy with file, line and column', async () => {
  const p = file('bad.yaml', 'allow:\n  and:\n    - emial: a@example.com\n');
  const i = file('i.json', '{"request": {"url": "https://a.example.com/"}}');
  const r = await run(['policy', 'eval', '--policy', p, '--input', i]);
  assert.equal(r.code, 1);
  assert.equal(r.err.trim(), `${p}:3:7: allow.and[0].emial: unknown policy criterion: emial`);
});

const HOSTILE: [string, string, RegExp][] = [
  ['not JSON', '{"request": ', /not JSON/],
  ['not an object', '[1, 2]', /\(input\)/],
  ['an unknown key', '{"request": {"url": "https://a.example.com/"}, "sudo": true}', /sudo/],
  ['a relative URL', '{"request": {"url": "/a"}}', /request\.url/],
  ['a non-http URL', '{"request": {"url": "javascript:alert(1)"}}', /request\.url/],
  [
    'groups not a list',
    '{"request": {"url": "https://a/"}, "identity": {"groups": "admins"}}',
    /identity\.groups/,
  ],
  ['a bad now', '{"request": {"url": "https://a/"}, "now": "tomorrow"}', /now/],
];

for (const [name, input, why] of HOSTILE) {
  test(`policy eval refuses an input that is ${name} (exit 1)`, async () => {
    const r = await run(
      ['policy', 'eval', '--policy', ex('on-call.policy.yaml'), '--input', '-'],
      input,
    );
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.match(r.err, why);
  });
}

test('policy usage errors exit 2', async () => {
  for (const args of [
    ['policy'],
    ['policy', 'frobnicate'],
    ['policy', 'eval', '--input', 'x.json'],
    ['policy', 'eval', '--policy', 'p.yaml', '-c', 'c.yaml', '--input', 'x.json'],
    ['policy', 'eval', '--policy', 'p.yaml'],
    ['policy', 'test'],
  ]) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
  }
});

test('validate reports an invalid route policy with its position', async () => {
  const c = file(
    'c.yaml',
    `authenticate_service_url: https://auth.example.com
routes:
  - from: https://a.example.com
    to: http://a
    policy:
      allow:
        and:
          - groups: {contains: admins}
`,
  );
  const r = await run(['validate', '-c', c]);
  assert.equal(r.code, 1);
  assert.match(r.err, /:8:\d+: routes\[0\]\.policy\.allow\.and\[0\]\.groups\.contains: /);
});

test('policy test points at the line and column of every problem inside a test file', async () => {
  const cases: { name: string; text: string; want: RegExp }[] = [
    {
      name: 'a YAML syntax error',
      text: 'cases:\n  - name: x\n    input: {request: [}\n',
      want: /:3:\d+: /,
    },
    {
      name: 'an unknown key in a case',
      text: `config: ${ex('config.yaml')}\nroute: wiki\ncases:\n  - name: x\n    input: {}\n    expext: {outcome: allow}\n`,
      want: /:4:5: cases\.0: /,
    },
    {
      name: 'a wrong outcome value',
      text: `config: ${ex('config.yaml')}\nroute: wiki\ncases:\n  - name: x\n    input: {}\n    expect:\n      outcome: maybe\n`,
      want: /:7:16: cases\.0\.expect\.outcome: /,
    },
    {
      name: 'a bad input URL',
      text: `config: ${ex('config.yaml')}\nroute: wiki\ncases:\n  - name: x\n    input:\n      request:\n        url: 42\n    expect: {outcome: deny}\n`,
      want: /:7:14: cases\[0\]\.input\.request\.url: /,
    },
    {
      name: 'an invalid inline policy',
      text: 'policy:\n  allow: {nope: [1]}\ncases:\n  - name: x\n    input: {request: {url: https://a.example/}}\n    expect: {outcome: deny}\n',
      want: /:2:3: /,
    },
  ];
  for (const c of cases) {
    const f = file('p.test.yaml', c.text);
    const r = await run(['policy', 'test', f]);
    assert.equal(r.code, 1, c.name);
    const positioned = r.out
      .split('\n')
      .filter((l) => l.includes(`${f}:`))
      .map((l) => l.slice(l.indexOf(f) + f.length));
    assert.ok(
      positioned.some((l) => c.want.test(l)),
      `${c.name}:\n${r.out}`,
    );
  }
});

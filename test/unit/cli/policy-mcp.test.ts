// `portcullis policy eval|test` with MCP inputs (docs/mcp.md): request.mcp is the JSON-RPC call
// mcp_tool judges, --mcp-tool judges an input as a tools/call, and the example test file of an
// MCP route passes (who may call which tool, in CI).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../helpers/config-fixtures.js';

const here = fileURLToPath(import.meta.url);
const mainFile = here.endsWith('.ts')
  ? join(repoRoot(), 'cli', 'main.ts')
  : join(dirname(here), '..', '..', '..', 'cli', 'main.js');
const ex = (f: string) => join(repoRoot(), 'examples', 'policies', f);

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

const evalArgs = ['policy', 'eval', '-c', ex('mcp-tools.yaml'), '--route', 'tools'];
const CARL = { userId: 'u3', email: 'carl@example.com', groups: ['contractors'] };
const input = (mcp: unknown) =>
  JSON.stringify({
    request: { method: 'POST', url: 'https://tools.example.com/mcp', mcp },
    identity: CARL,
  });

test('policy test runs the MCP example: who may call which tool', async () => {
  const r = await run(['policy', 'test', ex('mcp-tools.test.yaml')]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.equal(r.out.trim().split('\n').at(-1), '7 passed, 0 failed');
});

test('policy eval judges the tool of request.mcp', async () => {
  const r = await run([...evalArgs, '-i', ex('inputs/carl-admin-drop.json')]);
  assert.equal(r.code, 0, r.err);
  const d = JSON.parse(r.out);
  assert.equal(d.outcome, 'deny');
  assert.deepEqual(d.denyReasons, ['groups-ok', 'mcp-tool-match']);
});

const CALLS: readonly [string, string[], unknown, string][] = [
  ['a tool alone is a tools/call', [], { tool: 'admin_drop' }, 'deny'],
  ['another method is not a tool call', [], { method: 'tools/list' }, 'allow'],
  [
    '--mcp-tool replaces the call of the input',
    ['--mcp-tool', 'search'],
    { tool: 'admin_drop' },
    'allow',
  ],
  ['--mcp-tool on an input without a call', ['--mcp-tool', 'admin_x'], undefined, 'deny'],
];
for (const [what, extra, mcp, outcome] of CALLS) {
  test(`policy eval: ${what}`, async () => {
    const r = await run([...evalArgs, '-i', '-', ...extra], input(mcp));
    assert.equal(r.code, 0, r.err);
    assert.equal(JSON.parse(r.out).outcome, outcome);
  });
}

const BAD: readonly [string, unknown, RegExp][] = [
  [
    'a tool on another method',
    { method: 'initialize', tool: 'x' },
    /request\.mcp\.tool: a tool is only read from a tools\/call/,
  ],
  ['an empty call', {}, /request\.mcp: give the JSON-RPC method, or the tool of a tools\/call/],
  ['an empty tool name', { tool: '' }, /request\.mcp\.tool/],
  ['an unknown field', { tool: 'x', arguments: {} }, /request\.mcp/],
];
for (const [what, mcp, message] of BAD) {
  test(`policy eval refuses an input with ${what} (exit 1, where)`, async () => {
    const r = await run([...evalArgs, '-i', '-'], input(mcp));
    assert.equal(r.code, 1);
    assert.match(r.err, message);
  });
}

test('--mcp-tool is an option of policy eval only', async () => {
  const r = await run(['policy', 'test', '--mcp-tool', 'x', ex('mcp-tools.test.yaml')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /--mcp-tool is an option of policy eval/);
});

// A serving process sets how far V8's old generation grows between mark-compacts when asked
// (cli/lib/heap-growing.ts; docs/performance.md "Memory"): node's own flag wins, then
// PORTCULLIS_HEAP_GROWING_PERCENT, then the default (V8's heuristic); this Node's V8 knows the flag
// and the process collects once without leaving `gc` exposed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import {
  chooseHeapGrowing,
  DEFAULT_HEAP_GROWING_PERCENT,
  HEAP_GROWING_ENV,
} from '../../../cli/lib/heap-growing.js';

const MODULE = new URL('../../../cli/lib/heap-growing.js', import.meta.url).href;

const CASES: readonly {
  name: string;
  execArgv: string[];
  env: Record<string, string>;
  percent: number | undefined;
  warns: boolean;
}[] = [
  {
    name: 'nothing set',
    execArgv: [],
    env: {},
    percent: DEFAULT_HEAP_GROWING_PERCENT,
    warns: false,
  },
  {
    name: 'the environment',
    execArgv: [],
    env: { [HEAP_GROWING_ENV]: '25' },
    percent: 25,
    warns: false,
  },
  {
    name: "V8's heuristic (0)",
    execArgv: [],
    env: { [HEAP_GROWING_ENV]: '0' },
    percent: 0,
    warns: false,
  },
  {
    name: 'an empty value',
    execArgv: [],
    env: { [HEAP_GROWING_ENV]: '' },
    percent: DEFAULT_HEAP_GROWING_PERCENT,
    warns: false,
  },
  {
    name: 'node --heap-growing-percent',
    execArgv: ['--heap-growing-percent=80'],
    env: { [HEAP_GROWING_ENV]: '25' },
    percent: undefined,
    warns: false,
  },
  {
    name: 'node --heap_growing_percent',
    execArgv: ['--heap_growing_percent=80'],
    env: {},
    percent: undefined,
    warns: false,
  },
  {
    name: 'a fraction',
    execArgv: [],
    env: { [HEAP_GROWING_ENV]: '12.5' },
    percent: DEFAULT_HEAP_GROWING_PERCENT,
    warns: true,
  },
  {
    name: 'a negative number',
    execArgv: [],
    env: { [HEAP_GROWING_ENV]: '-5' },
    percent: DEFAULT_HEAP_GROWING_PERCENT,
    warns: true,
  },
  {
    name: 'a word',
    execArgv: [],
    env: { [HEAP_GROWING_ENV]: 'low' },
    percent: DEFAULT_HEAP_GROWING_PERCENT,
    warns: true,
  },
];

for (const c of CASES) {
  test(`the heap growing percent with ${c.name} is ${c.percent ?? "node's own"}`, () => {
    const choice = chooseHeapGrowing(c.execArgv, c.env);
    assert.equal(choice.percent, c.percent);
    assert.equal(choice.warning !== undefined, c.warns);
  });
}

test("this Node's V8 accepts the flag the process sets, and gc stays unexposed", () => {
  const run = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(MODULE)}); m.applyHeapGrowing(); console.log('set'); const { runInNewContext } = await import('node:vm'); console.log(typeof globalThis.gc, runInNewContext('typeof gc'));`,
    ],
    { encoding: 'utf8', env: { ...process.env, [HEAP_GROWING_ENV]: '25' } },
  );
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(run.stdout.trim().split('\n'), ['set', 'undefined undefined']);
  assert.equal(run.stderr, '');
});

// `npm start` says what it does while tsc builds (scripts/build-progress.mjs) and keeps tsc's
// exit status and errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot, tempDir } from '../../helpers/config-fixtures.js';

const script = join(repoRoot(), 'scripts', 'build-progress.mjs');

function build(source: string) {
  const dir = tempDir();
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, outDir: 'out' }, files: ['a.ts'] }),
  );
  writeFileSync(join(dir, 'a.ts'), source);
  return spawnSync(process.execPath, [script], { cwd: dir, encoding: 'utf8' });
}

test('npm start runs the build through the progress script', () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot(), 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  assert.match(pkg.scripts.start ?? '', /^node scripts\/build-progress\.mjs && /);
});

test('the build says it started and how long it took, and exits 0', () => {
  const r = build('export const x: number = 1;\n');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stderr, /^\[portcullis\] building with tsc/m);
  assert.match(r.stderr, /^\[portcullis\] built in \d+s$/m);
});

test('a failing build passes tsc errors through and exits non-zero', () => {
  const r = build('export const x: number = "one";\n');
  assert.notEqual(r.status, 0);
  assert.match(r.stdout, /a\.ts\(1,14\): error TS2322/);
  assert.match(r.stderr, /^\[portcullis\] build failed \(exit \d+\)$/m);
});

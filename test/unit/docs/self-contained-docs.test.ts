// The repository stands alone: no file cites a document outside it, and every
// "docs/<file>.md §N.N" citation names a section that exists in that document.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../helpers/config-fixtures.js';

const root = repoRoot();
const skip = new Set(['node_modules', 'dist', '.git', 'test-artifacts', 'bench']);
const exts = /\.(ts|md|ya?ml|json|sh)$|^(run|test|setup-test-env|check-generated|Dockerfile)$/;

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (skip.has(name) && dir === root) continue;
    if (name === 'node_modules' || name === '.git') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (exts.test(name) && name !== 'package-lock.json') out.push(path);
  }
  return out;
}

const files = [...sourceFiles(root), ...sourceFiles(join(root, 'bench'))];
const outside = [
  /\.\.\/shared\//,
  /\breference §/,
  /\bSTYLE §/,
  /\bbrief §/,
  /\bDESIGN(\.md|:| non-negotiables)/,
];

test('no file cites a document that lives outside the repository', () => {
  const offenders: string[] = [];
  for (const file of files) {
    if (file.endsWith('self-contained-docs.test.ts')) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (outside.some((re) => re.test(line)))
        offenders.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
    });
  }
  assert.deepEqual(offenders, []);
});

function sectionsOf(doc: string): Set<string> {
  const text = readFileSync(join(root, 'docs', doc), 'utf8');
  return new Set([...text.matchAll(/^#+\s+(\d+(?:\.\d+)*)\.?\s/gm)].map((m) => m[1]!));
}

test('every docs/<file>.md §N citation names a section that exists', () => {
  const known = new Map<string, Set<string>>();
  const missing: string[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/docs\/([a-z-]+\.md) ((?:§[\d.]*\d(?:[,/ ]+(?:and )?)?)+)/g)) {
      const doc = m[1]!;
      if (!known.has(doc)) known.set(doc, sectionsOf(doc));
      for (const s of m[2]!.matchAll(/§([\d.]*\d)/g)) {
        if (!known.get(doc)!.has(s[1]!)) missing.push(`${relative(root, file)}: ${doc} §${s[1]}`);
      }
    }
  }
  assert.deepEqual(missing, []);
});

test('the README links only to files that exist in the repository', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const broken = [...readme.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)]
    .map((m) => m[1]!)
    .filter((href) => !/^[a-z]+:/.test(href))
    .filter((href) => {
      try {
        statSync(join(root, href));
        return false;
      } catch {
        return true;
      }
    });
  assert.deepEqual(broken, []);
});

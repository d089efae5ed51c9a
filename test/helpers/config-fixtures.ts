// Helpers for config tests: the repository root, a temp dir, and parse-and-catch returning issues.
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, type ConfigIssue, parseConfigText } from '../../config/index.js';

/** The nearest folder holding package.json, from test/ or dist/test/. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'portcullis-config-test-'));
}

/** Parses `text` and returns its issues ([] when valid). */
export function issuesOf(
  text: string,
  env: Record<string, string> = {},
  file = 'test.yaml',
): readonly ConfigIssue[] {
  try {
    parseConfigText(text, { file, env });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
}

export const SECRET = 'qIJ1BVzrPKysZsGqW55c+3Cn4vajtTviZSMXQqQn0sA=';

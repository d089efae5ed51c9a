// Every secret can also be given as `<key>_file`: the file is read when the config loads (relative
// paths from the config file's folder). The environment wins over the file, as for every key.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { RawIssue } from './raw-issue.js';

/**
 * Replaces each `<key>_file` in `raw` by `<key>` with the file's content. Returns key → file key
 * for the values read, so issues about them point at the `_file` key.
 */
export function readSecretFiles(
  raw: Record<string, unknown>,
  keys: readonly string[],
  baseDir: string,
  fromEnv: ReadonlyMap<string, string>,
  out: RawIssue[],
): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const key of keys) {
    const fileKey = `${key}_file`;
    const p = raw[fileKey];
    if (p === undefined || p === null || typeof p !== 'string') continue; // the schema reports types
    if (raw[key] !== undefined) {
      const valueFromEnv = fromEnv.has(key);
      const fileFromEnv = fromEnv.has(fileKey);
      if (valueFromEnv && !fileFromEnv) {
        delete raw[fileKey]; // SHARED_SECRET in the environment wins over shared_secret_file
        continue;
      }
      if (!fileFromEnv || valueFromEnv) {
        out.push({
          code: 'conflicting_keys',
          path: [fileKey],
          message: `${key} and ${fileKey} cannot be used together`,
        });
        continue;
      }
    }
    try {
      const text = readFileSync(resolve(baseDir, p), 'utf8');
      raw[key] = key === 'signing_key' ? text : text.trim();
      delete raw[fileKey];
      aliases.set(key, fileKey);
    } catch {
      out.push({ code: 'file_unreadable', path: [fileKey], message: 'the file cannot be read' });
    }
  }
  return aliases;
}

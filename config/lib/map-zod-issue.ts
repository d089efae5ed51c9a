// Turns zod issues into config issues with our closed codes: unknown keys get a did-you-mean,
// removed Pomerium keys are named as removed, custom checks carry their code in `params.code`.
import type * as z from 'zod';
import type { ConfigIssueCode } from '../config-error.js';
import type { RawIssue } from './raw-issue.js';
import { REMOVED_GLOBAL_KEYS, REMOVED_ROUTE_KEYS } from './removed-keys.js';
import { suggestKey } from './suggest-key.js';

export interface KeyVocabulary {
  readonly global: readonly string[];
  readonly route: readonly string[];
  readonly nested: Readonly<Record<string, readonly string[]>>;
}

function isRouteObject(path: readonly PropertyKey[]): boolean {
  return (
    path.length === 2 &&
    (path[0] === 'routes' || path[0] === 'policy') &&
    typeof path[1] === 'number'
  );
}

function knownKeys(path: readonly PropertyKey[], vocab: KeyVocabulary): readonly string[] {
  if (path.length === 0) return vocab.global;
  if (isRouteObject(path)) return vocab.route;
  const named = [...path].reverse().find((s) => typeof s === 'string');
  return vocab.nested[String(named)] ?? [];
}

export function mapZodIssue(issue: z.core.$ZodIssue, vocab: KeyVocabulary, out: RawIssue[]): void {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const removed =
      path.length === 0 ? REMOVED_GLOBAL_KEYS : isRouteObject(path) ? REMOVED_ROUTE_KEYS : {};
    for (const key of issue.keys) {
      const why = Object.hasOwn(removed, key) ? removed[key] : undefined;
      if (why !== undefined) {
        out.push({
          code: 'removed_key',
          path: [...path, key],
          atKey: true,
          message: `was removed: ${why}`,
        });
        continue;
      }
      const hint = suggestKey(key, knownKeys(path, vocab));
      out.push({
        code: 'unknown_key',
        path: [...path, key],
        atKey: true,
        message: `unknown key${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`,
      });
    }
    return;
  }
  if (issue.code === 'custom') {
    const code = (issue.params as { code?: ConfigIssueCode } | undefined)?.code ?? 'invalid_value';
    out.push({ code, path, message: issue.message });
    return;
  }
  if (issue.code === 'invalid_type') {
    if (issue.input === undefined) out.push({ code: 'missing_key', path, message: 'is required' });
    else {
      const what = String(issue.expected);
      out.push({
        code: 'invalid_type',
        path,
        message: `must be ${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what}`,
      });
    }
    return;
  }
  if (issue.code === 'invalid_union') {
    out.push({ code: 'invalid_type', path, message: 'has the wrong type' });
    return;
  }
  out.push({ code: 'invalid_value', path, message: issue.message.replace(/^Invalid input: /, '') });
}

// Pomerium keys, sorted before the schema sees the file (docs/migrating-from-pomerium.md): a key
// Pomerium knows and Portcullis does not implement is dropped with an `unimplemented_key`
// warning that says what Pomerium would do (never silent, never fatal); a key Portcullis accepts
// but does not act on yet is warned about the same way; a key nobody knows is left for the
// schema to refuse with did-you-mean, or — with allowUnknownKeys — dropped with a warning.
import type { ZodType } from 'zod';
import {
  ACCEPTED_UNIMPLEMENTED_GLOBAL_KEYS,
  ACCEPTED_UNIMPLEMENTED_ROUTE_KEYS,
  POMERIUM_ONLY_GLOBAL_KEYS,
  POMERIUM_ONLY_ROUTE_KEYS,
} from './pomerium-only-keys.js';
import {
  POMERIUM_ONLY_GLOBAL_SCHEMAS,
  POMERIUM_ONLY_ROUTE_SCHEMAS,
  pomeriumValueProblem,
} from './pomerium-only-schemas.js';
import type { RawIssue } from './raw-issue.js';
import { REMOVED_GLOBAL_KEYS, REMOVED_ROUTE_KEYS } from './removed-keys.js';
import { suggestKey } from './suggest-key.js';

export interface KeySets {
  readonly global: ReadonlySet<string>;
  readonly route: ReadonlySet<string>;
}

const isMap = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Whether a set value asks for the feature (false, empty and default values do not). */
function isSet(key: string, value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === '') return false;
  if (Array.isArray(value) && value.length === 0) return false;
  // only the `jwt` format is not implemented (default, idp_access_token, idp_identity_token are)
  if (key === 'bearer_token_format')
    return typeof value === 'string' && value.toLowerCase() === 'jwt';
  // mcp.server routes are served (docs/mcp.md); warn only for the parts that are not
  if (key === 'mcp') {
    const m = isMap(value) ? value : {};
    const server = isMap(m.server) ? m.server : undefined;
    return m.client !== undefined || server === undefined;
  }
  return true;
}

function sortKeys(
  obj: Record<string, unknown>,
  at: readonly PropertyKey[],
  known: ReadonlySet<string>,
  pomeriumOnly: Readonly<Record<string, string>>,
  acceptedUnimplemented: Readonly<Record<string, string>>,
  removed: Readonly<Record<string, string>>,
  allowUnknownKeys: boolean,
  warnings: RawIssue[],
  errors: RawIssue[],
  schemas: Readonly<Record<string, ZodType>>,
): void {
  for (const key of Object.keys(obj)) {
    const path = [...at, key];
    if (known.has(key)) {
      const what = acceptedUnimplemented[key];
      if (what !== undefined && isSet(key, obj[key])) {
        warnings.push({
          code: 'unimplemented_key',
          path,
          atKey: true,
          message:
            key === 'mcp'
              ? `is only partly implemented: Pomerium ${what}`
              : `is accepted but not implemented yet: Pomerium ${what}; Portcullis ignores it`,
        });
      }
      continue;
    }
    const what = Object.hasOwn(pomeriumOnly, key) ? pomeriumOnly[key] : undefined;
    if (what !== undefined) {
      const problem = pomeriumValueProblem(schemas, key, obj[key]);
      if (problem !== undefined) {
        errors.push({
          code: 'invalid_type',
          path: [...path, ...problem.path],
          message: `${problem.message} (Pomerium's ${key})`,
        });
      }
      delete obj[key];
      warnings.push({
        code: 'unimplemented_key',
        path,
        atKey: true,
        message: `is a Pomerium setting Portcullis does not implement: Pomerium ${what}; it is ignored`,
      });
    } else if (allowUnknownKeys && !Object.hasOwn(removed, key)) {
      delete obj[key];
      const hint = suggestKey(key, known);
      warnings.push({
        code: 'unknown_key',
        path,
        atKey: true,
        message: `unknown key, ignored (--allow-unknown-keys)${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`,
      });
    }
  }
}

/**
 * Sorts the keys of `raw` in place; returns the warnings, and pushes to `errors` the Pomerium-only
 * values of the wrong shape (both positioned by the caller).
 */
export function findPomeriumKeys(
  raw: Record<string, unknown>,
  keys: KeySets,
  allowUnknownKeys: boolean,
  errors: RawIssue[],
): RawIssue[] {
  const warnings: RawIssue[] = [];
  sortKeys(
    raw,
    [],
    keys.global,
    POMERIUM_ONLY_GLOBAL_KEYS,
    ACCEPTED_UNIMPLEMENTED_GLOBAL_KEYS,
    REMOVED_GLOBAL_KEYS,
    allowUnknownKeys,
    warnings,
    errors,
    POMERIUM_ONLY_GLOBAL_SCHEMAS,
  );
  for (const list of ['policy', 'routes'] as const) {
    const routes = raw[list];
    if (!Array.isArray(routes)) continue;
    routes.forEach((r, i) => {
      if (!isMap(r)) return;
      sortKeys(
        r,
        [list, i],
        keys.route,
        POMERIUM_ONLY_ROUTE_KEYS,
        ACCEPTED_UNIMPLEMENTED_ROUTE_KEYS,
        REMOVED_ROUTE_KEYS,
        allowUnknownKeys,
        warnings,
        errors,
        POMERIUM_ONLY_ROUTE_SCHEMAS,
      );
    });
  }
  return warnings;
}

// A stand-alone PPL document (`portcullis policy eval --policy FILE`) compiled like a route's
// policy, without legacy keys or the mTLS default deny rule.
import { ConfigError } from '../../config/index.js';
import { compileRuleSet } from './lib/compile-rule-set.js';
import { compileSession } from './lib/criterion.js';
import { parsePolicyDocument } from './lib/parse-policy-document.js';
import { type Locate, toConfigIssues } from './lib/to-config-issues.js';
import type { CompiledPolicy } from './types.js';

export interface CompileDocumentOptions {
  /** Route id the compiled policy reports (default `policy`). */
  readonly routeId?: string;
  /** File named in issues (default `policy`). */
  readonly file?: string;
  /** Positions of key paths in the document, for issues. */
  readonly locate?: Locate;
}

/** Compiles a PPL document (object or list of rules); throws ConfigError with invalid_policy issues. */
export function compilePolicyDocument(
  doc: unknown,
  opts: CompileDocumentOptions = {},
): CompiledPolicy {
  const session = compileSession();
  const rules = parsePolicyDocument(doc, [], session);
  if (session.problems.length > 0) {
    throw new ConfigError(toConfigIssues(session.problems, opts.file ?? 'policy', opts.locate));
  }
  return compileRuleSet(opts.routeId ?? 'policy', rules);
}

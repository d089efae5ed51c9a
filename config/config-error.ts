// Config problems are collected, never thrown one by one: ConfigError carries every issue with its
// file, line, column and key path, and messages never contain secret values.
import { PortcullisError } from './errors.js';

/** The closed set of config issue codes (each documented in docs/errors.md). */
export const CONFIG_ISSUE_CODES = [
  'yaml_syntax',
  'unknown_key',
  'removed_key',
  'invalid_type',
  'invalid_value',
  'invalid_url',
  'invalid_duration',
  'invalid_enum',
  'invalid_secret',
  'invalid_regex',
  'conflicting_keys',
  'missing_key',
  'duplicate_route_id',
  'file_unreadable',
  'insecure_setting',
  'route_shadowed',
  'invalid_policy',
  'ignored_setting',
  'unimplemented_key',
] as const;

export type ConfigIssueCode = (typeof CONFIG_ISSUE_CODES)[number];

export interface ConfigIssue {
  readonly code: ConfigIssueCode;
  /** The config file, or `env:NAME` when the value came from an environment variable. */
  readonly file: string;
  /** 1-based; 0 when unknown (e.g. a value from the environment). */
  readonly line: number;
  readonly column: number;
  /** Key path such as `routes[3].to[0]` (empty string for the document itself). */
  readonly path: string;
  readonly message: string;
}

/** Formats a key path the way people write it: `routes[3].to[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? printable(String(seg)) : `.${printable(String(seg))}`;
  }
  return out;
}

/** Control characters in a key (a header name with CR/LF) are shown escaped, on one line. */
function printable(key: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping them is the point
  return key.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
}

/** One line per issue: `file:line:column: path: message`. */
export function formatConfigIssues(issues: readonly ConfigIssue[]): string {
  return issues
    .map(
      (i) => `${i.file}:${i.line}:${i.column}: ${i.path === '' ? '' : `${i.path}: `}${i.message}`,
    )
    .join('\n');
}

export class ConfigError extends PortcullisError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    const n = issues.length;
    super(
      'CONFIG_INVALID',
      `invalid configuration (${n} problem${n === 1 ? '' : 's'}):\n${formatConfigIssues(issues)}`,
    );
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

// Config problems are collected, never thrown one by one: ConfigError carries every issue with its
// file, line, column and key path, and messages never contain secret values.
import { PortcullisError } from '../errors/index.js';

/**
 * The closed set of config issue codes with what each means (docs/errors.md is generated from
 * this). Warnings (`insecure_setting`, `route_shadowed`, `ignored_setting`, `unimplemented_key`)
 * never refuse a config.
 */
export const CONFIG_ISSUES = {
  yaml_syntax: 'the file is not valid YAML or JSON.',
  unknown_key: 'a key the schema does not know (the message suggests the nearest known key).',
  removed_key:
    'a Pomerium key that was removed (e.g. `allowed_groups`, `client_ca`, `policy_file`); the message says what to use instead.',
  invalid_type:
    'a value of the wrong type (e.g. a map where a string is expected, `allowed_users: alice` where a list is).',
  invalid_value:
    'a value of the right type outside what is allowed (weights, ports, paths; header names that are not tokens, pseudo, `Host` or hop-by-hop; header values with CR, LF or NUL; `cookie_name`; `internal_address_cidrs`).',
  invalid_url:
    'a URL that cannot be used there (`from` with a path or made only of wildcards, unknown `to` scheme, relative URL, a link-local or cloud metadata `to` without `allow_link_local_upstream`).',
  invalid_duration: 'not a Go duration (`30s`, `5m`, `1h30m`).',
  invalid_enum: 'not one of the allowed (case-insensitive) values.',
  invalid_secret:
    'a secret or key of the wrong shape (not base64 of 32 bytes, not a PEM private key); the value is never printed.',
  invalid_regex:
    "a regular expression that RE2 (Envoy's engine, and ours for client input such as SAN matchers) rejects \u2014 lookaround, backreferences, `x{1001}`, bad escapes \u2014 with the character where it fails, or whose RE2 program is larger than Envoy accepts (1000).",
  conflicting_keys:
    'keys that cannot be used together (`prefix_rewrite` with `regex_rewrite_pattern`, `to` with `redirect`, public routes with allow lists, a key with its `_file` form).',
  missing_key:
    'a required key is absent (`from`, one of `to`/`redirect`/`response`, `shared_secret` outside all-in-one mode, the Postgres connection string, half of a certificate pair).',
  duplicate_route_id: 'two routes have the same id (explicit, or the same from/path/to).',
  file_unreadable: 'a `*_file` key names a file that cannot be read.',
  invalid_policy:
    "a route's `policy` (or its legacy keys) does not compile: unknown criterion or operator, a value of the wrong shape (reported by the policy compiler through `portcullis validate` and at load).",
  route_shadowed:
    'a warning, not an error: a route on a host where an earlier route already matches every request it would match (a public `/` before `/admin`); the message names both routes and their lines.',
  insecure_setting:
    'a warning, not an error (`LoadedConfig.warnings`): an unsafe development setting such as `insecure_server`, `tls_skip_verify` or a missing `shared_secret`/`signing_key`.',
  ignored_setting:
    "a warning, not an error: an environment variable that looks like a setting (`PORTCULLIS_*`, `POMERIUM_*`, a known key family such as `DOWNSTREAM_MTLS_*`, or a key Pomerium reads) but is not one Portcullis reads; the message names it and the nearest variable that is. Also a key the chosen `idp_provider` does not use (`idp_apple_team_id` without Apple's .p8 key).",
  unimplemented_key:
    'a warning, not an error: a key Pomerium knows that Portcullis does not implement (e.g. `dns_lookup_family`, `tracing_provider`, `ssh_*`); the message says what Pomerium would do with it. An unknown key nobody knows stays an `unknown_key` error unless `--allow-unknown-keys` is given.',
} as const satisfies Record<string, string>;

export const CONFIG_ISSUE_CODES = Object.keys(
  CONFIG_ISSUES,
) as readonly (keyof typeof CONFIG_ISSUES)[];

export type ConfigIssueCode = keyof typeof CONFIG_ISSUES;

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

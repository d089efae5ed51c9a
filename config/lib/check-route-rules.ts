// Cross-key rules of one route, checked on the raw data so they are reported even when other
// keys of the same route are wrong: one action, exclusive rewrites, paired TLS keys, legacy rules.
import { checkCaBundle } from './check-ca-bundles.js';
import type { RawIssue } from './raw-issue.js';
import { ENVOY_RE2_MAX_PROGRAM_SIZE, re2Problem } from './re2-syntax.js';

const has = (r: Record<string, unknown>, k: string): boolean => r[k] !== undefined && r[k] !== null;
const truthy = (r: Record<string, unknown>, k: string): boolean => r[k] === true;
const nonEmpty = (r: Record<string, unknown>, k: string): boolean =>
  has(r, k) && !(Array.isArray(r[k]) && (r[k] as unknown[]).length === 0) && r[k] !== '';

function checkRegex(
  r: Record<string, unknown>,
  key: string,
  path: PropertyKey[],
  out: RawIssue[],
): void {
  const v = r[key];
  if (typeof v !== 'string') return;
  // Envoy runs these with RE2 and its program-size limit (docs/errors.md invalid_regex).
  const why = re2Problem(v, ENVOY_RE2_MAX_PROGRAM_SIZE);
  if (why !== undefined) {
    out.push({
      code: 'invalid_regex',
      path: [...path, key],
      message: `is not a valid RE2 regular expression: ${why}`,
    });
  }
}

export function checkRouteRules(
  r: Record<string, unknown>,
  path: PropertyKey[],
  out: RawIssue[],
): void {
  const actions = ['to', 'redirect', 'response'].filter((k) => has(r, k));
  if (actions.length === 0) {
    out.push({ code: 'missing_key', path, message: 'needs one of to, redirect or response' });
  } else if (actions.length > 1) {
    out.push({
      code: 'conflicting_keys',
      path: [...path, actions[1]!],
      message: `${actions.join(' and ')} cannot be used together (choose one)`,
    });
  }
  if (has(r, 'prefix_rewrite') && has(r, 'regex_rewrite_pattern')) {
    out.push({
      code: 'conflicting_keys',
      path: [...path, 'regex_rewrite_pattern'],
      message: 'prefix_rewrite and regex_rewrite_pattern cannot be used together',
    });
  }
  for (const [a, b] of [
    ['path', 'prefix'],
    ['path', 'regex'],
    ['prefix', 'regex'],
  ] as const) {
    if (has(r, a) && has(r, b)) {
      out.push({
        code: 'conflicting_keys',
        path: [...path, b],
        message: `${a} and ${b} cannot be used together`,
      });
    }
  }
  for (const k of ['path', 'prefix'] as const) {
    const v = r[k];
    if (typeof v === 'string' && !v.startsWith('/')) {
      out.push({ code: 'invalid_value', path: [...path, k], message: 'must start with /' });
    }
  }
  checkRegex(r, 'regex', path, out);
  checkRegex(r, 'regex_rewrite_pattern', path, out);
  checkRegex(r, 'host_path_regex_rewrite_pattern', path, out);
  checkCaBundle(r, 'tls_custom_ca', path, out);
  const cert = has(r, 'tls_client_cert') || has(r, 'tls_client_cert_file');
  const key = has(r, 'tls_client_key') || has(r, 'tls_client_key_file');
  if (cert !== key) {
    out.push({
      code: 'missing_key',
      path: [...path, cert ? 'tls_client_cert' : 'tls_client_key'],
      message: 'tls_client_cert and tls_client_key must be given together',
    });
  }
  const redirect = r.redirect as Record<string, unknown> | undefined;
  if (
    redirect &&
    typeof redirect === 'object' &&
    has(redirect, 'path_redirect') &&
    has(redirect, 'prefix_rewrite')
  ) {
    out.push({
      code: 'conflicting_keys',
      path: [...path, 'redirect', 'prefix_rewrite'],
      message: 'path_redirect and prefix_rewrite cannot be used together',
    });
  }
  if (truthy(r, 'allow_public_unauthenticated_access')) {
    const with_ = ['allow_any_authenticated_user', 'allowed_domains', 'allowed_users'].filter(
      (k) => (k === 'allow_any_authenticated_user' ? truthy(r, k) : nonEmpty(r, k)),
    );
    if (with_.length > 0) {
      out.push({
        code: 'conflicting_keys',
        path: [...path, 'allow_public_unauthenticated_access'],
        message: `route marked as public but contains whitelists (${with_.join(', ')})`,
      });
    }
  }
  if (truthy(r, 'allow_any_authenticated_user')) {
    const with_ = ['allowed_domains', 'allowed_users'].filter((k) => nonEmpty(r, k));
    if (with_.length > 0) {
      out.push({
        code: 'conflicting_keys',
        path: [...path, 'allow_any_authenticated_user'],
        message: `allow_any_authenticated_user cannot be combined with ${with_.join(', ')}`,
      });
    }
  }
  if (Array.isArray(r.depends_on) && r.depends_on.length > 5) {
    out.push({ code: 'invalid_value', path: [...path, 'depends_on'], message: 'at most 5 hosts' });
  }
}

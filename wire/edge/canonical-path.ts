// The canonical-path rule (docs/pomerium-behaviour.md §7.2, README "Paths"): its one home. Envoy
// normalises first (the settings below, spread into the HTTP connection manager); authz then
// refuses with 400, before any policy, a path that Envoy's normalisation leaves ambiguous for an
// upstream: a segment that is `.` or `..` once percent-decoded and stripped of `;params`
// (`/a/%2e%2e;/b`, `/a/..;x/b`), or an encoded slash, a backslash or NUL anywhere, or percent
// escapes that are not UTF-8 (overlong forms such as `%c0%ae` included). A segment is also
// judged once more after a second decoding, for upstreams that decode twice.

/** What Envoy does before authz sees the path (envoy/build/build-http-connection-manager.ts). */
export const ENVOY_PATH_NORMALISATION = Object.freeze({
  normalize_path: true,
  merge_slashes: true,
  path_with_escaped_slashes_action: 'REJECT_REQUEST',
});

/** Why a path is refused (the `reasons` of the 400). */
export type PathProblem =
  | 'path-not-absolute'
  | 'path-bad-encoding'
  | 'path-dot-segment'
  | 'path-encoded-slash'
  | 'path-backslash'
  | 'path-nul';

// Anything that could hide a problem: a percent escape, `;`, a backslash, NUL, or a raw dot
// segment. Paths without any of these (nearly all) are accepted after one regex test.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what it looks for
const SUSPECT = /[%;\\\u0000]|\/\.\.?(?:\/|$)/;

function decodeOnce(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

function judgeDecoded(segment: string): PathProblem | null {
  if (segment.includes('/')) return 'path-encoded-slash';
  if (segment.includes('\\')) return 'path-backslash';
  if (segment.includes('\u0000')) return 'path-nul';
  const semi = segment.indexOf(';');
  const bare = semi === -1 ? segment : segment.slice(0, semi);
  return bare === '.' || bare === '..' ? 'path-dot-segment' : null;
}

function judgeSegment(raw: string): PathProblem | null {
  const semi = raw.indexOf(';');
  if (semi !== -1 && judgeSegment(raw.slice(0, semi)) === 'path-dot-segment') {
    return 'path-dot-segment';
  }
  const once = decodeOnce(raw);
  if (once === null) return 'path-bad-encoding';
  const first = judgeDecoded(once);
  if (first !== null || !once.includes('%')) return first;
  // Decoded twice (some upstreams do): a still-encoded dot segment or separator is refused too;
  // a literal `%` that is not an escape (`100%25` → `100%`) is fine.
  const twice = decodeOnce(once);
  return twice === null ? null : judgeDecoded(twice);
}

/**
 * Judges the path part (no query) of a request target as Envoy forwards it. Returns null for a
 * canonical path, else the reason it is refused.
 */
export function checkCanonicalPath(rawPath: string): PathProblem | null {
  if (!rawPath.startsWith('/')) return 'path-not-absolute';
  if (!SUSPECT.test(rawPath)) return null;
  const segments = rawPath.split('/');
  for (let i = 1; i < segments.length; i++) {
    const problem = judgeSegment(segments[i]!);
    if (problem !== null) return problem;
  }
  return null;
}

// Header names and values in the config must be what HTTP and Envoy accept: a name is an RFC 9110
// token (no CR, LF, spaces, colons or control characters: Envoy NACKs them, and CR/LF would split
// a header), a value has no CR, LF or NUL. Checked at parse time, so validate and start agree.
import type { RawIssue } from './raw-issue.js';

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const BAD_VALUE = /[\r\n\0]/;

function describe(name: string): string {
  const bad = [...name].find((c) => !TOKEN.test(c));
  return bad === undefined ? 'is empty' : `contains ${JSON.stringify(bad)}`;
}

function checkName(name: unknown, path: readonly PropertyKey[], out: RawIssue[]) {
  if (typeof name !== 'string' || TOKEN.test(name)) return;
  out.push({
    code: 'invalid_value',
    path,
    message: `header name ${JSON.stringify(name)} ${describe(name)} (a header name is an HTTP token)`,
  });
}

function checkMap(
  r: Record<string, unknown>,
  key: string,
  path: readonly PropertyKey[],
  out: RawIssue[],
) {
  const v = r[key];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return;
  for (const [name, value] of Object.entries(v as Record<string, unknown>)) {
    // A bad name is reported at its map: a printed key path cannot hold CR/LF.
    checkName(name, [...path, key], out);
    if (typeof value === 'string' && BAD_VALUE.test(value)) {
      out.push({
        code: 'invalid_value',
        path: [...path, key, name],
        message: 'a header value cannot contain CR, LF or NUL',
      });
    }
  }
}

/** Header names and values of a route (`path` is the route's). */
export function checkRouteHeaders(
  r: Record<string, unknown>,
  path: readonly PropertyKey[],
  out: RawIssue[],
): void {
  checkMap(r, 'set_request_headers', path, out);
  checkMap(r, 'set_response_headers', path, out);
  const removed = r.remove_request_headers;
  if (Array.isArray(removed)) {
    removed.forEach((h, i) => {
      checkName(h, [...path, 'remove_request_headers', i], out);
    });
  }
  checkName(r.host_rewrite_header, [...path, 'host_rewrite_header'], out);
  const rewrites = r.rewrite_response_headers;
  if (Array.isArray(rewrites)) {
    rewrites.forEach((x, i) => {
      if (x !== null && typeof x === 'object') {
        checkName(
          (x as Record<string, unknown>).header,
          [...path, 'rewrite_response_headers', i, 'header'],
          out,
        );
      }
    });
  }
}

/** Header names and values of the global settings. */
export function checkGlobalHeaders(r: Record<string, unknown>, out: RawIssue[]): void {
  checkMap(r, 'set_response_headers', [], out);
  // jwt_claims_headers names are checked by its schema (config/lib/schema-types.ts).
}

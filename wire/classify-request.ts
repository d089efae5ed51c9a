// What kind of client sent a request (docs/pomerium-behaviour.md §3.6), decided once for authn
// and authz: gRPC / gRPC-Web by content type; the response format from Accept (JSON when it
// prefers application/json over text/html); and whether a login answer is a redirect (browsers)
// or a 401 (gRPC, XHR, Pomerium token holders, an Accept preferring anything over text/html).
import { hasPomeriumToken } from './read-session-tokens.js';

export type ResponseFormat = 'grpc' | 'grpc-web' | 'json' | 'html';

interface Range {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

const OFFERS = [
  'text/html',
  'application/json',
  'text/plain',
  'application/grpc-web-text',
  'application/grpc-web+proto',
  'application/grpc+proto',
] as const;

/** Parses an Accept header (RFC 9110 §12.5.1); undefined when it is malformed. */
export function parseAccept(accept: string): Range[] | undefined {
  const out: Range[] = [];
  for (const part of accept.split(',')) {
    const [media = '', ...params] = part.split(';').map((s) => s.trim());
    if (media === '' && params.length === 0) continue;
    const m = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)\/([!#$%&'*+.^_`|~0-9A-Za-z-]+)$/.exec(media);
    if (m === null) return undefined;
    let q = 1;
    for (const p of params) {
      const eq = p.indexOf('=');
      if (eq < 0) return undefined;
      if (p.slice(0, eq).trim().toLowerCase() !== 'q') continue;
      const v = p.slice(eq + 1).trim();
      if (!/^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(v)) return undefined;
      q = Number(v);
    }
    const type = m[1]!.toLowerCase();
    const subtype = m[2]!.toLowerCase();
    if (type === '*' && subtype !== '*') return undefined;
    out.push({ type, subtype, q });
  }
  return out;
}

/** The q of a media type under its most specific matching range (0 when none matches). */
export function qualityOf(media: string, ranges: readonly Range[]): number {
  const [type, subtype] = media.split('/') as [string, string];
  let best = -1;
  let q = 0;
  for (const r of ranges) {
    const specificity =
      r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : 0;
    const matches = specificity > 0 || (r.type === '*' && r.subtype === '*');
    if (matches && specificity > best) {
      best = specificity;
      q = r.q;
    }
  }
  return q;
}

/** The offer the Accept header prefers (ties go to the earlier offer); null when malformed. */
export function preferredOffer(accept: string): string | undefined | null {
  const ranges = parseAccept(accept);
  if (ranges === undefined) return null;
  let best: string | undefined;
  let bestQ = 0;
  for (const offer of OFFERS) {
    const q = qualityOf(offer, ranges);
    if (q > bestQ) {
      best = offer;
      bestQ = q;
    }
  }
  return best;
}

/** `grpc`, `grpc-web` or null, from a Content-Type value. */
export function grpcKind(contentType: string | undefined): 'grpc' | 'grpc-web' | null {
  const ct = (contentType ?? '').trim().toLowerCase();
  if (/^application\/grpc-web(-text)?([+;\s]|$)/.test(ct)) return 'grpc-web';
  if (/^application\/grpc([+;\s]|$)/.test(ct)) return 'grpc';
  return null;
}

/** The body format of an answer: gRPC status, JSON, or an HTML page. */
export function responseFormat(
  headers: Readonly<Record<string, string | undefined>>,
): ResponseFormat {
  const grpc = grpcKind(headers['content-type']);
  if (grpc !== null) return grpc;
  const accept = headers.accept ?? '';
  if (accept === '') return 'html';
  const ranges = parseAccept(accept);
  if (ranges === undefined) return 'html';
  return qualityOf('application/json', ranges) > qualityOf('text/html', ranges) ? 'json' : 'html';
}

/** True when a login-required answer should be a 302 to sign-in, false for a 401. */
export function wantsLoginRedirect(
  headers: Readonly<Record<string, string | undefined>>,
  rawQuery: string,
): boolean {
  if (grpcKind(headers['content-type']) !== null) return false;
  if (hasPomeriumToken(headers, rawQuery)) return false;
  if ((headers['x-requested-with'] ?? '').toLowerCase() === 'xmlhttprequest') return false;
  const accept = headers.accept;
  if (accept === undefined) return true;
  const offer = preferredOffer(accept);
  // malformed Accept → redirect, like a browser
  return offer === null || offer === 'text/html';
}

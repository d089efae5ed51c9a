// Browser detection (reference §3.6): redirect to sign-in (302) unless the client is gRPC or
// gRPC-Web, an XMLHttpRequest (`X-Requested-With`: a redirect there only breaks the page's
// script), carries a Pomerium token in a header or `pomerium_session` in the query, or its
// Accept header prefers something over text/html. authz and the policy engine share this.
import type { PolicyRequest } from './types.js';

const OFFERS = [
  'text/html',
  'application/json',
  'text/plain',
  'application/grpc-web-text',
  'application/grpc-web+proto',
  'application/grpc+proto',
] as const;

interface Range {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
}

/** Parses an Accept header; undefined when it is malformed. */
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

/** The q of an offer: from the most specific matching range (0 when none matches). */
function qualityOf(offer: string, ranges: readonly Range[]): number {
  const [type, subtype] = offer.split('/') as [string, string];
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

/** The offer the Accept header prefers (ties go to the earlier offer), or undefined. */
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

function hasPomeriumToken(req: PolicyRequest): boolean {
  if (req.headers['x-pomerium-authorization'] !== undefined) return true;
  const auth = req.headers.authorization;
  if (auth !== undefined && (/^pomerium\s/i.test(auth) || /^bearer\s+pomerium-/i.test(auth))) {
    return true;
  }
  if (req.rawQuery === '') return false;
  return req.rawQuery.split('&').some((kv) => kv.split('=')[0] === 'pomerium_session');
}

/** True when a login-required answer should be a 302 to sign-in, false for a 401. */
export function wantsLoginRedirect(request: PolicyRequest): boolean {
  const contentType = (request.headers['content-type'] ?? '').trim().toLowerCase();
  if (/^application\/grpc(-web(-text)?)?([+;\s]|$)/.test(contentType)) return false;
  if (hasPomeriumToken(request)) return false;
  if ((request.headers['x-requested-with'] ?? '').toLowerCase() === 'xmlhttprequest') return false;
  const accept = request.headers.accept;
  if (accept === undefined) return true;
  const offer = preferredOffer(accept);
  // malformed Accept → redirect, like a browser
  return offer === null || offer === 'text/html';
}

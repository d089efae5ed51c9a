// Where a session token may come from, in the order of reference §3.5 step 4: our cookie, then
// `X-Pomerium-Authorization: <jwt>`, `Authorization: Pomerium <jwt>`,
// `Authorization: Bearer Pomerium-<jwt>`, then the `pomerium_session` query parameter.

export type TokenSource =
  | 'cookie'
  | 'x-pomerium-authorization'
  | 'authorization'
  | 'bearer'
  | 'query';

export interface TokenCandidate {
  readonly source: TokenSource;
  readonly token: string;
}

/** Every `name=value` of the Cookie header(s) (Envoy joins repeated headers with `,`). */
export function parseCookies(header: string): [string, string][] {
  const out: [string, string][] = [];
  if (header === '') return out;
  for (const piece of header.split(/[;,]/)) {
    const eq = piece.indexOf('=');
    if (eq === -1) continue;
    const name = piece.slice(0, eq).trim();
    if (name === '') continue;
    let value = piece.slice(eq + 1).trim();
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
      value = value.slice(1, -1);
    out.push([name, value]);
  }
  return out;
}

/** `pomerium_session` values of a raw query string. */
export function queryTokens(rawQuery: string): string[] {
  const out: string[] = [];
  if (rawQuery === '' || !rawQuery.includes('pomerium_session')) return out;
  for (const pair of rawQuery.split('&')) {
    const eq = pair.indexOf('=');
    const k = eq === -1 ? pair : pair.slice(0, eq);
    let key: string;
    try {
      key = decodeURIComponent(k.replace(/\+/g, ' '));
    } catch {
      continue;
    }
    if (key !== 'pomerium_session' || eq === -1) continue;
    try {
      out.push(decodeURIComponent(pair.slice(eq + 1).replace(/\+/g, ' ')));
    } catch {
      // not decodable: not a token
    }
  }
  return out;
}

/** The token candidates of a request, in the order they are tried. */
export function readSessionTokens(
  cookieName: string,
  cookies: readonly (readonly [string, string])[],
  headers: Readonly<Record<string, string>>,
  rawQuery: string,
): TokenCandidate[] {
  const out: TokenCandidate[] = [];
  for (const [name, value] of cookies) {
    if (name === cookieName && value !== '') out.push({ source: 'cookie', token: value });
  }
  const x = headers['x-pomerium-authorization'];
  if (x) out.push({ source: 'x-pomerium-authorization', token: x.trim() });
  const auth = headers.authorization ?? '';
  if (auth.startsWith('Pomerium '))
    out.push({ source: 'authorization', token: auth.slice(9).trim() });
  else if (auth.startsWith('Bearer Pomerium-')) {
    out.push({ source: 'bearer', token: auth.slice(16).trim() });
  }
  for (const t of queryTokens(rawQuery)) out.push({ source: 'query', token: t });
  return out;
}

/** True when the request carries a Portcullis token in a header or the query (§3.6: no redirect). */
export function hasTokenOutsideCookie(candidates: readonly TokenCandidate[]): boolean {
  return candidates.some((c) => c.source !== 'cookie');
}

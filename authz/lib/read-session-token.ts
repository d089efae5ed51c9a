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

const POMERIUM_SCHEME = /^pomerium\s+(\S+)\s*$/i;
const BEARER_POMERIUM = /^bearer\s+pomerium-(\S+)\s*$/i;

/** Our token in an Authorization header (schemes are case-insensitive), or null. */
export function ourAuthorization(value: string): TokenCandidate | null {
  const p = POMERIUM_SCHEME.exec(value);
  if (p) return { source: 'authorization', token: p[1] as string };
  const b = BEARER_POMERIUM.exec(value);
  if (b) return { source: 'bearer', token: b[1] as string };
  return null;
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
  const ours = ourAuthorization(headers.authorization ?? '');
  if (ours !== null) out.push(ours);
  for (const t of queryTokens(rawQuery)) out.push({ source: 'query', token: t });
  return out;
}

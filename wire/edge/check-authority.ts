// The request authority rule (README "Hosts"): `Host`/`:authority` is one DNS name or IP
// literal with an optional port, compared in lower case. Two values (Envoy joins repeated
// headers with a comma) or anything else is refused with 400 and a reason, never parsed further.

export type AuthorityProblem = 'host-missing' | 'host-duplicate' | 'host-malformed';

// A DNS name (letters, digits, `-`, `_`, dots; a trailing dot allowed) or an IPv4 address,
// or a bracketed IPv6 literal; then an optional port of up to five digits.
const AUTHORITY =
  /^(?:[a-z0-9_][a-z0-9_-]{0,62}(?:\.[a-z0-9_][a-z0-9_-]{0,62})*\.?|\[[0-9a-f:.]+\])(?::([0-9]{1,5}))?$/i;

/** Null when `host` is one well-formed authority, else why it is refused. */
export function checkAuthority(host: string): AuthorityProblem | null {
  if (host === '') return 'host-missing';
  if (host.includes(',')) return 'host-duplicate';
  const m = host.length > 261 ? null : AUTHORITY.exec(host);
  if (m === null) return 'host-malformed';
  if (m[1] !== undefined && Number(m[1]) > 65535) return 'host-malformed';
  return null;
}

/** `host[:port]` → lower-case hostname without the port (IPv6 brackets kept). */
export function hostnameOf(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? h : h.slice(0, end + 1);
  }
  const colon = h.lastIndexOf(':');
  return colon === -1 ? h : h.slice(0, colon);
}

// `mcp_allowed_client_id_domains` (docs/mcp.md): the hosts whose client ID metadata documents
// the authorization server fetches. An entry is a host name (exact) or `*.example.com`, a
// wildcard for exactly one label as in a TLS certificate (Pomerium matches them with certmagic's
// MatchWildcard, internal/mcp/domain_matcher.go): a.example.com, not example.com nor
// a.b.example.com. An empty list allows none.

export function clientDomainAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  for (const raw of allowed) {
    const entry = raw.trim().toLowerCase().replace(/\.$/, '');
    if (entry === '') continue;
    if (entry.startsWith('*.')) {
      const suffix = entry.slice(1);
      const label = h.slice(0, h.length - suffix.length);
      if (h.endsWith(suffix) && label !== '' && !label.includes('.')) return true;
    } else if (h === entry) {
      return true;
    }
  }
  return false;
}

// `mcp_allowed_client_id_domains` (docs/mcp.md): the hosts whose client ID metadata documents
// the authorization server fetches. An entry is a host name (exact) or `*.example.com` (any
// name below example.com, not example.com itself). An empty list allows none.

export function clientDomainAllowed(host: string, allowed: readonly string[]): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  for (const raw of allowed) {
    const entry = raw.trim().toLowerCase().replace(/\.$/, '');
    if (entry === '') continue;
    if (entry.startsWith('*.')) {
      const suffix = entry.slice(1);
      if (h.endsWith(suffix) && h.length > suffix.length) return true;
    } else if (h === entry) {
      return true;
    }
  }
  return false;
}

// Upstreams that are cloud metadata services (README "Config the edge refuses"): a route whose
// `to` is link-local (169.254.0.0/16, fe80::/10) or a known metadata address would hand
// instance credentials to whoever passes its policy; it is refused unless the route says
// `allow_link_local_upstream: true`.

const METADATA_HOSTS = new Set([
  'metadata',
  'metadata.google.internal',
  'metadata.goog',
  'instance-data',
  'instance-data.ec2.internal',
  '100.100.100.200', // Alibaba Cloud
  '[fd00:ec2::254]', // AWS IMDS over IPv6
]);

function ipv4Of(hostname: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(hostname);
  if (m !== null) return m.slice(1).map(Number);
  // IPv4-mapped IPv6 as WHATWG URL writes it: [::ffff:a9fe:a9fe]
  const v6 = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(hostname);
  if (v6 === null) return null;
  const hi = Number.parseInt(v6[1]!, 16);
  const lo = Number.parseInt(v6[2]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255];
}

/** True for a URL hostname (as `new URL` gives it) that is link-local or a metadata service. */
export function isMetadataOrLinkLocal(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (METADATA_HOSTS.has(h)) return true;
  const v4 = ipv4Of(h);
  if (v4 !== null) return v4[0] === 169 && v4[1] === 254;
  return /^\[fe[89ab][0-9a-f]:/.test(h);
}

// Snapshots carry private keys (TLS certificates, upstream client certificates): by default the
// ADS server only talks to peers on this machine (the supervised Envoy).

/** The address part of a grpc-js peer string (`127.0.0.1:5555`, `::1:5555`, a unix path). */
function peerAddress(peer: string): string {
  const m = /^(.*):(\d+)$/.exec(peer);
  return (m === null ? peer : m[1]!).replace(/^\[|\]$/g, '');
}

export function isLoopbackPeer(peer: string): boolean {
  const addr = peerAddress(peer);
  if (addr.startsWith('/') || addr.startsWith('unix:')) return true;
  return (
    /^127\.\d+\.\d+\.\d+$/.test(addr) || addr === '::1' || /^::ffff:127\.\d+\.\d+\.\d+$/i.test(addr)
  );
}

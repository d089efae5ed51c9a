// Unsafe development settings are loud: each one becomes a warning the services log at start
// (and `portcullis validate` prints) without refusing the config.
import { isLoopbackHost } from '../grpc-transport.js';
import type { Config } from '../schema.js';
import type { RawIssue } from './raw-issue.js';

export function findInsecureSettings(c: Config, policyLen: number, out: RawIssue[]): void {
  const warn = (path: PropertyKey[], message: string): void => {
    out.push({ code: 'insecure_setting', path, message });
  };
  if (c.insecure_server) warn(['insecure_server'], 'serves plain HTTP: for local development only');
  if (!c.cookie_secure) warn(['cookie_secure'], 'session cookies may travel over plain HTTP');
  if (c.shared_secret === undefined) {
    warn(
      [],
      'no shared_secret: a random one is made per process, so sessions end at every restart',
    );
  }
  if (c.signing_key === undefined) {
    warn([], 'no signing_key: a key is generated per process (run `portcullis keys generate`)');
  }
  if (c.databroker_storage_tls_skip_verify) {
    warn(
      ['databroker_storage_tls_skip_verify'],
      'the PostgreSQL server certificate is not verified',
    );
  }
  const dsn = c.databroker_storage_connection_string;
  if (c.databroker_storage_type === 'postgres' && dsn !== undefined && !postgresUsesTls(c, dsn)) {
    warn(
      ['databroker_storage_connection_string'],
      'PostgreSQL on another host without TLS: sessions cross the network in clear (add sslmode=verify-full or databroker_storage_ca_file)',
    );
  }
  c.routes.forEach((r, i) => {
    const path = i < policyLen ? ['policy', i] : ['routes', i - policyLen];
    if (r.tls_skip_verify)
      warn([...path, 'tls_skip_verify'], 'upstream certificates are not verified');
    if (r.from.startsWith('http://') && !c.insecure_server) {
      warn([...path, 'from'], 'only HTTPS is supported for from unless insecure_server is set');
    }
  });
}

/** False only for a URL to a non-loopback host with no TLS asked for (sslmode or our keys). */
function postgresUsesTls(c: Config, dsn: string): boolean {
  if (c.databroker_storage_ca_file !== undefined || c.databroker_storage_cert_file !== undefined)
    return true;
  let u: URL;
  try {
    u = new URL(dsn);
  } catch {
    return true; // key=value form: not judged here
  }
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (host === '' || isLoopbackHost(host) || host.startsWith('%2F')) return true;
  const mode = u.searchParams.get('sslmode');
  return (
    u.searchParams.get('ssl') === 'true' ||
    (mode !== null && !['disable', 'allow', 'prefer'].includes(mode))
  );
}

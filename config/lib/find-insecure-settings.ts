// Unsafe development settings are loud: each one becomes a warning the services log at start
// (and `portcullis validate` prints) without refusing the config.
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
  c.routes.forEach((r, i) => {
    const path = i < policyLen ? ['policy', i] : ['routes', i - policyLen];
    if (r.tls_skip_verify)
      warn([...path, 'tls_skip_verify'], 'upstream certificates are not verified');
    if (r.from.startsWith('http://') && !c.insecure_server) {
      warn([...path, 'from'], 'only HTTPS is supported for from unless insecure_server is set');
    }
  });
}

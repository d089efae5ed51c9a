// `portcullis keys generate --tls`: the control plane's certificates in one folder — an internal
// CA (reused when the folder already has one, so running it again rotates the leaves), a server
// certificate for grpc_address and authn's internal listener (the names given, plus localhost
// and 127.0.0.1) and the client certificate Envoy presents. Keys are written 0600, each file
// through a rename so a reloading process never reads half a file.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  type IssuedCertificate,
  issueCertificate,
  issueCertificateAuthority,
} from '../../envoy/index.js';

export interface TlsFilesResult {
  /** YAML for the config, with paths relative to `configDir`. */
  readonly yaml: string;
  readonly reusedCa: boolean;
}

function write(path: string, text: string, secret: boolean): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: secret ? 0o600 : 0o644 });
  if (secret) chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

export function generateTlsFiles(opts: {
  readonly dir: string;
  readonly names: readonly string[];
  /** Folder the printed paths are relative to (the config's). */
  readonly configDir: string;
  readonly days?: number;
}): TlsFilesResult {
  mkdirSync(opts.dir, { recursive: true, mode: 0o700 });
  const f = (n: string) => join(opts.dir, n);
  const reusedCa = existsSync(f('ca.pem')) && existsSync(f('ca-key.pem'));
  const ca: IssuedCertificate = reusedCa
    ? { cert: readFileSync(f('ca.pem'), 'utf8'), key: readFileSync(f('ca-key.pem'), 'utf8') }
    : issueCertificateAuthority();
  const hosts = [...new Set([...opts.names, 'localhost', '127.0.0.1'])];
  const days = opts.days === undefined ? {} : { days: opts.days };
  const server = issueCertificate(ca, { commonName: hosts[0]!, hosts, usage: 'server' }, days);
  const client = issueCertificate(ca, { commonName: 'portcullis-envoy', usage: 'client' }, days);
  if (!reusedCa) {
    write(f('ca-key.pem'), ca.key, true);
    write(f('ca.pem'), ca.cert, false);
  }
  write(f('server-key.pem'), server.key, true);
  write(f('server.pem'), server.cert, false);
  write(f('client-key.pem'), client.key, true);
  write(f('client.pem'), client.cert, false);
  const rel = (n: string) => relative(opts.configDir, f(n)) || n;
  const yaml = [
    '# grpc_address serves TLS with this certificate and accepts callers whose client',
    '# certificate comes from this CA; Envoy verifies the server and presents the client one.',
    `certificate_authority_file: ${rel('ca.pem')}`,
    `certificate_file: ${rel('server.pem')}`,
    `certificate_key_file: ${rel('server-key.pem')}`,
    `grpc_client_ca_file: ${rel('ca.pem')}`,
    `grpc_client_certificate_file: ${rel('client.pem')}`,
    `grpc_client_certificate_key_file: ${rel('client-key.pem')}`,
    '',
  ].join('\n');
  return { yaml, reusedCa };
}

// TLS to PostgreSQL (Pomerium's databroker_storage_ca_file / _cert_file / _key_file /
// _tls_skip_verify): the server is verified against the CA file (or the system roots), a client
// certificate is presented when given. The connection string's own settings (sslmode,
// sslrootcert…) are honoured by pg; with these keys, a URL's sslmode=disable is a contradiction
// and refused, and its other ssl* parameters give way to the keys.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import { PortcullisError } from '../../errors/index.js';

export interface PostgresTlsConfig {
  readonly databroker_storage_ca_file?: string | undefined;
  readonly databroker_storage_cert_file?: string | undefined;
  readonly databroker_storage_key_file?: string | undefined;
  readonly databroker_storage_tls_skip_verify?: boolean | undefined;
}

/** The connection string and `ssl` option pg gets; ssl undefined when no key is set. */
export function postgresTls(
  connectionString: string,
  config: PostgresTlsConfig,
  baseDir: string | undefined,
): { connectionString: string; ssl?: ConnectionOptions } {
  const { databroker_storage_ca_file: ca, databroker_storage_cert_file: cert } = config;
  const key = config.databroker_storage_key_file;
  const skip = config.databroker_storage_tls_skip_verify === true;
  if (ca === undefined && cert === undefined && !skip) return { connectionString };
  const read = (name: string, path: string): string => {
    const full = baseDir === undefined || isAbsolute(path) ? path : resolve(baseDir, path);
    try {
      return readFileSync(full, 'utf8');
    } catch (err) {
      throw new PortcullisError(
        'CONFIG_INVALID',
        `${name}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  };
  const ssl: ConnectionOptions = {
    rejectUnauthorized: !skip,
    ...(ca === undefined ? {} : { ca: read('databroker_storage_ca_file', ca) }),
    ...(cert === undefined ? {} : { cert: read('databroker_storage_cert_file', cert) }),
    ...(key === undefined ? {} : { key: read('databroker_storage_key_file', key) }),
  };
  let cs = connectionString;
  if (/^postgres(ql)?:\/\//.test(cs)) {
    const u = new URL(cs);
    if (u.searchParams.get('sslmode') === 'disable') {
      throw new PortcullisError(
        'CONFIG_INVALID',
        'databroker_storage_connection_string says sslmode=disable but databroker_storage_*_file keys ask for TLS',
      );
    }
    for (const p of ['ssl', 'sslmode', 'sslrootcert', 'sslcert', 'sslkey'])
      u.searchParams.delete(p);
    cs = u.toString();
  }
  return { connectionString: cs, ssl };
}

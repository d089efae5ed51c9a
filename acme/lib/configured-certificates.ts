// Hosts a configured certificate already serves (Pomerium: configured certificates take
// precedence over autocert, docs/pomerium-behaviour.md §2.3): autocert orders nothing for them.
// Each of `certificates`, `certificate`, `certificate_file` is read (inline PEM, base64 PEM or a
// file relative to the config's folder); one that cannot be read covers nothing.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Config } from '../../config/index.js';

function pemOf(value: string, baseDir: string, isFile: boolean): string | undefined {
  try {
    if (value.includes('-----BEGIN')) return value;
    if (!isFile && /^[A-Za-z0-9+/=\s]+$/.test(value)) {
      const decoded = Buffer.from(value, 'base64').toString();
      if (decoded.includes('-----BEGIN')) return decoded;
    }
    return readFileSync(isAbsolute(value) ? value : resolve(baseDir, value), 'utf8');
  } catch {
    return undefined;
  }
}

/** A predicate: does a configured certificate (leaf) name `host` (wildcards included)? */
export function configuredCoverage(config: Config, baseDir: string): (host: string) => boolean {
  const pems: (string | undefined)[] = [];
  for (const c of config.certificates ?? []) pems.push(pemOf(c.cert, baseDir, false));
  if (config.certificate !== undefined) pems.push(pemOf(config.certificate, baseDir, false));
  if (config.certificate_file !== undefined)
    pems.push(pemOf(config.certificate_file, baseDir, true));
  const leaves: X509Certificate[] = [];
  for (const p of pems) {
    if (p === undefined) continue;
    try {
      leaves.push(new X509Certificate(p));
    } catch {
      // not a certificate: Envoy's validation reports it
    }
  }
  // A wildcard route host is covered by a certificate for the same wildcard.
  const probe = (host: string) =>
    host.startsWith('*.') ? `portcullis-probe${host.slice(1)}` : host;
  return (host) => leaves.some((x) => x.checkHost(probe(host)) !== undefined);
}

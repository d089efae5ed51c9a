// Which hosts autocert obtains certificates for: the host of every https route's `from` and the
// authenticate host, except those a configured certificate serves. A wildcard needs DNS-01 and an IP address or a single-label name cannot be
// validated over HTTP-01: those are refused by name (ACME_HOST_UNSUPPORTED) and keep whatever
// certificate is configured.
import { isIP } from 'node:net';
import type { Config } from '../../config/index.js';

export interface RefusedHost {
  readonly host: string;
  readonly why: string;
  /** `routes[3]` or `authenticate_service_url`. */
  readonly path: string;
}

/** Pomerium's hosted authenticate service: never ordered for (it is not served here). */
const HOSTED_AUTHENTICATE = new Set([
  'authenticate.pomerium.app',
  'authenticate.staging.pomerium.app',
]);

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** Why `host` cannot get an HTTP-01 certificate, or undefined when it can. */
export function unsupportedHostReason(host: string): string | undefined {
  if (host.includes('*'))
    return 'a wildcard host needs a DNS-01 challenge, which autocert does not do';
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0)
    return 'ACME CAs do not issue for IP addresses over HTTP-01';
  const labels = host.split('.');
  if (labels.length < 2) return 'a single-label name is not a public DNS name';
  if (!labels.every((l) => LABEL.test(l))) return 'not a valid DNS name';
  return undefined;
}

/** `covered`: hosts a configured certificate serves (acme/lib/configured-certificates.ts), skipped. */
export function autocertHosts(
  config: Config,
  covered: (host: string) => boolean = () => false,
): { hosts: string[]; refused: RefusedHost[]; covered: string[] } {
  const hosts = new Set<string>();
  const skipped = new Set<string>();
  const refused: RefusedHost[] = [];
  const consider = (raw: string, path: string) => {
    let host: string;
    try {
      const u = new URL(raw.replace('*', 'wildcard-placeholder'));
      // Pomerium's rule: only https routes (a plain-http route is served without TLS).
      if (u.protocol !== 'https:') return;
      host = u.hostname.replace('wildcard-placeholder', '*').toLowerCase();
    } catch {
      return;
    }
    if (hosts.has(host) || skipped.has(host) || refused.some((r) => r.host === host)) return;
    if (HOSTED_AUTHENTICATE.has(host)) return; // Pomerium's hosted authenticate has its own
    if (covered(host)) {
      skipped.add(host);
      return;
    }
    const why = unsupportedHostReason(host);
    if (why === undefined) hosts.add(host);
    else refused.push({ host, why, path });
  };
  config.routes.forEach((r, i) => {
    consider(r.from, `routes[${i}]`);
  });
  if (config.authenticate_service_url !== undefined) {
    consider(config.authenticate_service_url, 'authenticate_service_url');
  }
  return { hosts: [...hosts].sort(), refused, covered: [...skipped].sort() };
}

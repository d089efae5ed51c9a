// The downstream client certificate verdict (reference §1.8 is_valid_client_certificate): Envoy
// accepts untrusted certificates and sends us the leaf; it is valid only when it parses, is
// within its validity period and is issued and signed by a CA of the route's bundle (route
// `tls_downstream_client_ca`, else `downstream_mtls.ca`). Verdicts are cached per leaf and bundle.
import { createHash, X509Certificate } from 'node:crypto';
import type { PolicyClientCertificate } from '../policy/types.js';
import { createBoundedCache } from './bounded-cache.js';
import { caKey, normalizeSerial, type RevokedSerials } from './read-crl.js';

/** One `match_subject_alt_names` entry: a SAN type and a fully anchored pattern. */
export interface SanRule {
  readonly type: 'DNS' | 'email' | 'URI' | 'IP Address' | 'othername';
  readonly pattern: RegExp;
}

/** A parsed CA bundle with its revocations and SAN rules, and a cache key of all three. */
export interface ClientCaBundle {
  readonly key: string;
  readonly cas: readonly X509Certificate[];
  readonly revoked: RevokedSerials | null;
  readonly sanRules: readonly SanRule[];
}

const BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Parses a PEM bundle (or the base64 of one, as config carries it). Throws when none is usable. */
export function parseCaCertificates(text: string): X509Certificate[] {
  const pem = text.includes('-----BEGIN') ? text : Buffer.from(text.trim(), 'base64').toString();
  const cas = [...pem.matchAll(BLOCK)].map((m) => new X509Certificate(m[0]));
  if (cas.length === 0) throw new Error('no PEM certificate found');
  return cas;
}

export function makeBundle(
  cas: readonly X509Certificate[],
  revoked: RevokedSerials | null,
  sanRules: readonly SanRule[],
): ClientCaBundle {
  const h = createHash('sha256');
  for (const ca of cas) h.update(ca.raw);
  for (const [ca, serials] of revoked ?? []) h.update(`${ca}:${[...serials].join(',')};`);
  for (const r of sanRules) h.update(`${r.type}=${r.pattern.source};`);
  return { key: h.digest('hex'), cas, revoked, sanRules };
}

function sanMatches(leaf: X509Certificate, rules: readonly SanRule[]): boolean {
  if (rules.length === 0) return true;
  const sans = (leaf.subjectAltName ?? '').split(/,\s*/).map((s) => {
    const colon = s.indexOf(':');
    return [s.slice(0, colon), s.slice(colon + 1)] as const;
  });
  return rules.some((r) => sans.some(([t, v]) => t === r.type && r.pattern.test(v)));
}

interface Verdict {
  readonly issued: boolean;
  readonly from: number;
  readonly to: number;
}

const NOT_PRESENTED: PolicyClientCertificate = Object.freeze({ presented: false, valid: false });

export interface CertificateJudge {
  judge(
    presented: boolean,
    leafPem: string,
    bundle: ClientCaBundle | null,
    now: number,
  ): PolicyClientCertificate;
}

export function createCertificateJudge(maxEntries = 10_000): CertificateJudge {
  const cache = createBoundedCache<Verdict>(maxEntries);
  const verdictOf = (leafPem: string, bundle: ClientCaBundle): Verdict => {
    const key = `${bundle.key}\u0000${leafPem}`;
    let v = cache.get(key);
    if (v === undefined) {
      try {
        const leaf = new X509Certificate(leafPem);
        const issuer = bundle.cas.find((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
        const revoked =
          issuer !== undefined &&
          (bundle.revoked?.get(caKey(issuer))?.has(normalizeSerial(leaf.serialNumber)) ?? false);
        const issued = issuer !== undefined && !revoked && sanMatches(leaf, bundle.sanRules);
        v = { issued, from: Date.parse(leaf.validFrom), to: Date.parse(leaf.validTo) };
      } catch {
        v = { issued: false, from: 0, to: 0 };
      }
      cache.set(key, v);
    }
    return v;
  };
  return {
    judge(presented, leafPem, bundle, now) {
      if (!presented) return NOT_PRESENTED;
      if (leafPem === '') return { presented: true, valid: false };
      if (bundle === null) return { presented: true, valid: false, leafPem };
      const v = verdictOf(leafPem, bundle);
      return { presented: true, valid: v.issued && v.from <= now && now <= v.to, leafPem };
    },
  };
}

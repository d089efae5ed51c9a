// The downstream client certificate verdict (docs/pomerium-behaviour.md §1.8 is_valid_client_certificate): Envoy
// accepts untrusted certificates and sends us the leaf; it is valid only when it parses, is
// within its validity period and is issued and signed by a CA of the route's bundle (route
// `tls_downstream_client_ca`, else `downstream_mtls.ca`), directly or through intermediates the
// client sent (Envoy's XFCC `Chain`), no deeper than `downstream_mtls.max_verify_depth` (default
// 1: issued directly by a CA; 0: no limit), as docs/pomerium-behaviour.md §1.8 says. Sent
// intermediates are only candidates: every signature up to a configured CA is verified here. A
// route with no CA at all (none global) has nothing to check against: any certificate, or none,
// is valid there (§1.8). Verdicts are cached per leaf, chain and bundle.
import { createHash, X509Certificate } from 'node:crypto';
import { type CacheFigures, createBoundedCache } from '../lib/bounded-cache.js';
import type { PolicyClientCertificate } from '../policy/types.js';
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
  /** Most CAs above the leaf (1: issued directly by a configured CA); 0 means no limit. */
  readonly maxDepth: number;
}

/** The hard cap on a chain walk when max_verify_depth is 0 (no limit), as OpenSSL's 100. */
const UNLIMITED_DEPTH = 100;

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
  maxDepth = 1,
): ClientCaBundle {
  const h = createHash('sha256');
  h.update(`depth=${maxDepth};`);
  for (const ca of cas) h.update(ca.raw);
  for (const [ca, serials] of revoked ?? []) h.update(`${ca}:${[...serials].join(',')};`);
  for (const r of sanRules) h.update(`${r.type}=${r.pattern.source};`);
  return { key: h.digest('hex'), cas, revoked, sanRules, maxDepth };
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

const issuedBy = (cert: X509Certificate, by: X509Certificate): boolean =>
  cert.checkIssued(by) && cert.verify(by.publicKey);

interface ChainWalk {
  /** The leaf's direct issuer (a configured CA or a sent intermediate). */
  readonly issuer: X509Certificate;
  /** The validity window shared by every sent intermediate used (ms). */
  readonly from: number;
  readonly to: number;
}

/** Walks from the leaf to a configured CA through sent intermediates, at most maxDepth CAs up. */
function walkChain(
  leaf: X509Certificate,
  sent: readonly X509Certificate[],
  bundle: ClientCaBundle,
): ChainWalk | undefined {
  const limit = bundle.maxDepth === 0 ? UNLIMITED_DEPTH : bundle.maxDepth;
  let current = leaf;
  let issuer: X509Certificate | undefined;
  let from = Number.NEGATIVE_INFINITY;
  let to = Number.POSITIVE_INFINITY;
  const used = new Set<X509Certificate>();
  for (let depth = 1; depth <= limit; depth++) {
    const ca = bundle.cas.find((c) => issuedBy(current, c));
    if (ca !== undefined) return { issuer: issuer ?? ca, from, to };
    const next = sent.find((c) => !used.has(c) && c.ca && issuedBy(current, c));
    if (next === undefined) return undefined;
    used.add(next);
    issuer ??= next;
    from = Math.max(from, Date.parse(next.validFrom));
    to = Math.min(to, Date.parse(next.validTo));
    current = next;
  }
  return undefined;
}

/** The certificates of Envoy's XFCC `Chain` (URL-encoded PEM, leaf first), leaf excluded. */
function sentIntermediates(chainPem: string, leaf: X509Certificate): X509Certificate[] {
  if (chainPem === '') return [];
  const out: X509Certificate[] = [];
  for (const m of chainPem.matchAll(BLOCK)) {
    try {
      const c = new X509Certificate(m[0]);
      if (!c.raw.equals(leaf.raw)) out.push(c);
    } catch {
      // an unreadable extra certificate is no candidate
    }
  }
  return out;
}

export interface CertificateJudge {
  judge(
    presented: boolean,
    leafPem: string,
    bundle: ClientCaBundle | null,
    now: number,
    chainPem?: string,
  ): PolicyClientCertificate;
  /** The verdict cache (metrics). */
  readonly cache: CacheFigures;
}

export function createCertificateJudge(maxEntries = 10_000): CertificateJudge {
  const cache = createBoundedCache<Verdict>('client_certificate', maxEntries);
  const verdictOf = (leafPem: string, chainPem: string, bundle: ClientCaBundle): Verdict => {
    const key = `${bundle.key}\u0000${leafPem}\u0000${chainPem}`;
    let v = cache.get(key);
    if (v === undefined) {
      try {
        const leaf = new X509Certificate(leafPem);
        const walk = walkChain(leaf, sentIntermediates(chainPem, leaf), bundle);
        const revoked =
          walk !== undefined &&
          (bundle.revoked?.get(caKey(walk.issuer))?.has(normalizeSerial(leaf.serialNumber)) ??
            false);
        const issued = walk !== undefined && !revoked && sanMatches(leaf, bundle.sanRules);
        v = {
          issued,
          from: Math.max(Date.parse(leaf.validFrom), walk?.from ?? 0),
          to: Math.min(Date.parse(leaf.validTo), walk?.to ?? Number.POSITIVE_INFINITY),
        };
      } catch {
        v = { issued: false, from: 0, to: 0 };
      }
      cache.set(key, v);
    }
    return v;
  };
  return {
    cache,
    judge(presented, leafPem, bundle, now, chainPem = '') {
      if (!presented) return NOT_PRESENTED;
      if (leafPem === '') return { presented: true, valid: false };
      if (bundle === null) return { presented: true, valid: true, leafPem };
      const v = verdictOf(leafPem, chainPem, bundle);
      return { presented: true, valid: v.issued && v.from <= now && now <= v.to, leafPem };
    },
  };
}

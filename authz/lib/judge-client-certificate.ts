// The downstream client certificate verdict (reference §1.8 is_valid_client_certificate): Envoy
// accepts untrusted certificates and sends us the leaf; it is valid only when it parses, is
// within its validity period and is issued and signed by a CA of the route's bundle (route
// `tls_downstream_client_ca`, else `downstream_mtls.ca`). Verdicts are cached per leaf and bundle.
import { X509Certificate } from 'node:crypto';
import type { PolicyClientCertificate } from '../policy/types.js';
import { createBoundedCache } from './bounded-cache.js';

/** A parsed CA bundle with a stable cache key. */
export interface ClientCaBundle {
  readonly key: string;
  readonly cas: readonly X509Certificate[];
}

const BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Parses a PEM bundle (or the base64 of one, as config carries it). Throws when none is usable. */
export function parseCaBundle(text: string, key: string): ClientCaBundle {
  const pem = text.includes('-----BEGIN') ? text : Buffer.from(text.trim(), 'base64').toString();
  const cas = [...pem.matchAll(BLOCK)].map((m) => new X509Certificate(m[0]));
  if (cas.length === 0) throw new Error('no PEM certificate found');
  return { key, cas };
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
        const issued = bundle.cas.some((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
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

// Reads the facts the client_certificate matcher needs from a leaf PEM (node:crypto X509):
// SHA-256 of the DER, base64 SHA-256 of the SubjectPublicKeyInfo, and the SANs by type. Parsed
// leaves are cached by PEM (clients repeat their certificate on every request).
import { createHash, X509Certificate } from 'node:crypto';
import { createBoundedCache } from '../../lib/bounded-cache.js';

export interface LeafFacts {
  /** 64 lowercase hex characters. */
  readonly fingerprint: string;
  /** Standard base64 of the SHA-256 of the DER SubjectPublicKeyInfo. */
  readonly spkiHash: string;
  readonly sanEmail: readonly string[];
  readonly sanDns: readonly string[];
  readonly sanUri: readonly string[];
}

/** Parsed leaves by PEM (null: unparseable); shown on /metrics as `leaf_certificate`. */
export const leafCertificateCache = createBoundedCache<LeafFacts | null>('leaf_certificate', 1024);

/** Splits Node's `subjectAltName` text ("DNS:a, email:b, URI:\"x,y\"") into type/value pairs. */
export function splitSubjectAltName(text: string): [string, string][] {
  const out: [string, string][] = [];
  let i = 0;
  while (i < text.length) {
    const colon = text.indexOf(':', i);
    if (colon < 0) break;
    const type = text.slice(i, colon).trim();
    let j = colon + 1;
    let value: string;
    if (text[j] === '"') {
      // JSON-quoted when the value contains a separator
      let k = j + 1;
      while (k < text.length && text[k] !== '"') k += text[k] === '\\' ? 2 : 1;
      try {
        value = JSON.parse(text.slice(j, k + 1)) as string;
      } catch {
        value = text.slice(j + 1, k);
      }
      j = k + 1;
    } else {
      const comma = text.indexOf(', ', j);
      const end = comma < 0 ? text.length : comma;
      value = text.slice(j, end);
      j = end;
    }
    out.push([type, value]);
    const next = text.indexOf(', ', j);
    if (next < 0) break;
    i = next + 2;
  }
  return out;
}

function parse(pem: string): LeafFacts | null {
  try {
    const cert = new X509Certificate(pem);
    const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
    const sans = splitSubjectAltName(cert.subjectAltName ?? '');
    const of = (t: string) => sans.filter(([k]) => k === t).map(([, v]) => v);
    return Object.freeze({
      fingerprint: createHash('sha256').update(cert.raw).digest('hex'),
      spkiHash: createHash('sha256').update(spki).digest('base64'),
      sanEmail: of('email'),
      sanDns: of('DNS'),
      sanUri: of('URI'),
    });
  } catch {
    return null;
  }
}

/** The facts of a leaf PEM, or null when it cannot be parsed (the criterion then fails). */
export function leafFacts(pem: string): LeafFacts | null {
  const hit = leafCertificateCache.get(pem);
  if (hit !== undefined) return hit;
  const facts = parse(pem);
  leafCertificateCache.set(pem, facts);
  return facts;
}

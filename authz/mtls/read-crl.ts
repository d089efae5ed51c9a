// Certificate revocation lists for client certificates (downstream_mtls.crl): PEM/DER X.509 CRLs
// parsed with a minimal DER reader, each accepted only when its signature verifies against a CA
// of the bundle. A CRL we cannot read or verify is a config error (never silently ignored).
import { createHash, verify, type X509Certificate } from 'node:crypto';

interface Tlv {
  readonly tag: number;
  /** Offset of the first content byte. */
  readonly start: number;
  /** Offset after the last content byte. */
  readonly end: number;
  /** Offset of the tag byte. */
  readonly at: number;
}

function tlv(buf: Buffer, at: number): Tlv {
  if (at + 2 > buf.length) throw new Error('truncated DER');
  const tag = buf[at] as number;
  let len = buf[at + 1] as number;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || start + n > buf.length) throw new Error('bad DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[start + i] as number);
    start += n;
  }
  const end = start + len;
  if (end > buf.length) throw new Error('truncated DER');
  return { tag, start, end, at };
}

function children(buf: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let p = parent.start; p < parent.end; ) {
    const t = tlv(buf, p);
    out.push(t);
    p = t.end;
  }
  return out;
}

const SIG_ALGS: Readonly<Record<string, string>> = {
  '2a8648ce3d040302': 'sha256',
  '2a8648ce3d040303': 'sha384',
  '2a8648ce3d040304': 'sha512',
  '2a864886f70d01010b': 'sha256',
  '2a864886f70d01010c': 'sha384',
  '2a864886f70d01010d': 'sha512',
};

/** Serial numbers as upper-case hex without leading zeros (X509Certificate.serialNumber form). */
export function normalizeSerial(hex: string): string {
  return hex.toUpperCase().replace(/^0+(?=.)/, '');
}

/** Revoked serials per issuing CA (keyed by the CA's SHA-256 fingerprint). */
export type RevokedSerials = ReadonlyMap<string, ReadonlySet<string>>;

export function caKey(ca: X509Certificate): string {
  return createHash('sha256').update(ca.raw).digest('hex');
}

function parseOne(
  der: Buffer,
  cas: readonly X509Certificate[],
  out: Map<string, Set<string>>,
): void {
  const root = tlv(der, 0);
  const [tbs, alg, sig] = children(der, root);
  if (!tbs || !alg || !sig || tbs.tag !== 0x30 || sig.tag !== 0x03)
    throw new Error('not an X.509 CRL');
  const oid = children(der, alg)[0];
  const hash =
    oid && oid.tag === 0x06
      ? SIG_ALGS[der.subarray(oid.start, oid.end).toString('hex')]
      : undefined;
  if (!hash) throw new Error('unsupported CRL signature algorithm');
  const signature = der.subarray(sig.start + 1, sig.end);
  const signed = der.subarray(tbs.at, tbs.end);
  const issuer = cas.find((ca) => verify(hash, signed, ca.publicKey, signature));
  if (!issuer) throw new Error('the CRL is not signed by a CA of the bundle');
  const fields = children(der, tbs);
  let i = fields[0]?.tag === 0x02 ? 1 : 0; // version
  i += 2; // signature, issuer
  i += 1; // thisUpdate
  if (fields[i] && (fields[i]!.tag === 0x17 || fields[i]!.tag === 0x18)) i++; // nextUpdate
  const serials = out.get(caKey(issuer)) ?? new Set<string>();
  const revoked = fields[i];
  if (revoked && revoked.tag === 0x30) {
    for (const entry of children(der, revoked)) {
      const serial = children(der, entry)[0];
      if (serial?.tag !== 0x02) throw new Error('bad revoked entry');
      serials.add(normalizeSerial(der.subarray(serial.start, serial.end).toString('hex')));
    }
  }
  out.set(caKey(issuer), serials);
}

/** Parses a PEM bundle of CRLs (or base64 of it, or one DER CRL in base64). Throws when unusable. */
export function readCrls(text: string, cas: readonly X509Certificate[]): RevokedSerials {
  const pem = text.includes('-----BEGIN')
    ? text
    : Buffer.from(text.trim(), 'base64').toString('latin1');
  const blocks = [...pem.matchAll(/-----BEGIN X509 CRL-----([\s\S]*?)-----END X509 CRL-----/g)].map(
    (m) => Buffer.from((m[1] as string).replace(/\s+/g, ''), 'base64'),
  );
  if (blocks.length === 0) blocks.push(Buffer.from(text.trim(), 'base64'));
  const out = new Map<string, Set<string>>();
  for (const der of blocks) parseOne(der, cas, out);
  return out;
}

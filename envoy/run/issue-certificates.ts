// An internal certificate authority for the control plane (`portcullis keys generate --tls`, and
// the per-process client certificate of a supervised Envoy): a P-256 CA and leaves it signs for
// servers (SANs = the names clients connect to) and clients (the Envoy that calls authorize/ADS).
import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import { altNames, commonName, oid, pem, seq, tlv, utcTime } from '../../wire/index.js';

export interface IssuedCertificate {
  /** PEM certificate. */
  readonly cert: string;
  /** PEM PKCS#8 private key. */
  readonly key: string;
}

export interface IssueOptions {
  readonly now?: Date;
  /** Validity in days (default 365; the CA 3650). */
  readonly days?: number;
}

const SIG_ALG = seq(oid('1.2.840.10045.4.3.2')); // ecdsa-with-SHA256
const BOOL_TRUE = tlv(0x01, Buffer.from([0xff]));
const ext = (id: string, critical: boolean, value: Buffer): Buffer =>
  seq(oid(id), ...(critical ? [BOOL_TRUE] : []), tlv(0x04, value));

function serial(): Buffer {
  const s = randomBytes(16);
  s[0] = (s[0]! & 0x3f) | 0x40; // positive, minimal DER INTEGER
  return s;
}

function keyId(spki: Buffer): Buffer {
  return createHash('sha1').update(spki).digest();
}

function build(opts: {
  subject: Buffer;
  issuer: Buffer;
  spki: Buffer;
  extensions: Buffer[];
  signingKey: Parameters<typeof sign>[2];
  now: Date;
  days: number;
}): string {
  // Valid from an hour ago: clocks of the machines in a deployment are rarely exactly equal.
  const notBefore = new Date(opts.now.getTime() - 3_600_000);
  const notAfter = new Date(opts.now.getTime() + opts.days * 86_400_000);
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, serial()),
    SIG_ALG,
    opts.issuer,
    seq(utcTime(notBefore), utcTime(notAfter)),
    opts.subject,
    opts.spki,
    tlv(0xa3, seq(...opts.extensions)),
  );
  const signature = sign('sha256', tbs, opts.signingKey);
  return pem('CERTIFICATE', seq(tbs, SIG_ALG, tlv(0x03, Buffer.from([0]), signature)));
}

/** A new certificate authority (CA:TRUE, keyCertSign). */
export function issueCertificateAuthority(
  name = 'Portcullis internal CA',
  opts: IssueOptions = {},
): IssuedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const subject = commonName(name);
  const cert = build({
    subject,
    issuer: subject,
    spki,
    extensions: [
      ext('2.5.29.19', true, seq(BOOL_TRUE)),
      ext('2.5.29.15', true, tlv(0x03, Buffer.from([0x01, 0x06]))), // keyCertSign, cRLSign
      ext('2.5.29.14', false, tlv(0x04, keyId(spki))),
    ],
    signingKey: privateKey,
    now: opts.now ?? new Date(),
    days: opts.days ?? 3650,
  });
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/**
 * A leaf signed by `ca`: `server` carries the names clients connect to (DNS names or IPs),
 * `client` identifies a caller; both usages when `usage` is `both`.
 */
export function issueCertificate(
  ca: IssuedCertificate,
  leaf: {
    readonly commonName: string;
    readonly hosts?: readonly string[];
    readonly usage: 'server' | 'client' | 'both';
  },
  opts: IssueOptions = {},
): IssuedCertificate {
  const caCert = new X509Certificate(ca.cert);
  const caKey = createPrivateKey(ca.key);
  const caSpki = caCert.publicKey.export({ type: 'spki', format: 'der' });
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const eku = {
    server: [oid('1.3.6.1.5.5.7.3.1')],
    client: [oid('1.3.6.1.5.5.7.3.2')],
    both: [oid('1.3.6.1.5.5.7.3.1'), oid('1.3.6.1.5.5.7.3.2')],
  }[leaf.usage];
  const hosts = leaf.hosts ?? [];
  const cert = build({
    subject: commonName(leaf.commonName),
    issuer: issuerName(caCert),
    spki,
    extensions: [
      ...(hosts.length > 0 ? [ext('2.5.29.17', false, altNames(hosts))] : []),
      ext('2.5.29.19', true, seq()),
      ext('2.5.29.15', true, tlv(0x03, Buffer.from([0x07, 0x80]))), // digitalSignature
      ext('2.5.29.37', false, seq(...eku)),
      ext('2.5.29.14', false, tlv(0x04, keyId(spki))),
      ext('2.5.29.35', false, seq(tlv(0x80, keyId(caSpki)))),
    ],
    signingKey: caKey,
    now: opts.now ?? new Date(),
    days: opts.days ?? 365,
  });
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** The CA's subject Name exactly as encoded in its certificate (the leaf's issuer). */
function issuerName(ca: X509Certificate): Buffer {
  // Certificate → tbsCertificate → [version, serial, sigAlg, issuer, validity, subject, …]
  const certificate = children(ca.raw, 0)[0]!;
  const tbs = children(certificate.body, 0)[0]!;
  return children(tbs.body, 0)[5]!.whole;
}

interface Node {
  readonly whole: Buffer;
  readonly body: Buffer;
}

/** The TLV items inside a DER buffer starting at `offset`. */
function children(buf: Buffer, offset: number): Node[] {
  const out: Node[] = [];
  let i = offset;
  while (i < buf.length) {
    const start = i;
    i++; // tag
    let n = buf[i++]!;
    if (n & 0x80) {
      const bytes = n & 0x7f;
      n = 0;
      for (let k = 0; k < bytes; k++) n = (n << 8) | buf[i++]!;
    }
    out.push({ whole: buf.subarray(start, i + n), body: buf.subarray(i, i + n) });
    i += n;
  }
  return out;
}

// A self-signed ECDSA P-256 certificate for development when no certificate is configured
// (docs/pomerium-behaviour.md §2.3: "With no certs Pomerium serves a generated self-signed cert"). Written with
// a minimal DER encoder: Node can sign but not build X.509 certificates.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { altNames, oid, pem, seq, tlv, utcTime } from '../../wire/index.js';

export interface SelfSignedCertificate {
  /** PEM certificate. */
  readonly cert: string;
  /** PEM PKCS#8 private key. */
  readonly key: string;
}

/** A certificate for `hosts` (DNS names, `*.` wildcards or IPs), valid for `days` from `now`. */
export function generateSelfSignedCertificate(
  hosts: readonly string[],
  opts: { readonly now?: Date; readonly days?: number } = {},
): SelfSignedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const now = opts.now ?? new Date();
  const notAfter = new Date(now.getTime() + (opts.days ?? 365) * 86_400_000);
  const name = seq(
    tlv(
      0x31,
      seq(
        oid('2.5.4.3'),
        tlv(0x0c, Buffer.from(`Portcullis development ${hosts[0] ?? ''}`.trim())),
      ),
    ),
  );
  const sigAlg = seq(oid('1.2.840.10045.4.3.2'));
  const extensions = tlv(
    0xa3,
    seq(
      seq(oid('2.5.29.17'), tlv(0x04, altNames(hosts))),
      seq(
        oid('2.5.29.19'),
        tlv(0x01, Buffer.from([0xff])),
        tlv(0x04, seq(tlv(0x01, Buffer.from([0xff])))),
      ),
    ),
  );
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x3f) | 0x40; // positive, minimal DER INTEGER
  const tbs = seq(
    tlv(0xa0, tlv(0x02, Buffer.from([2]))),
    tlv(0x02, serial),
    sigAlg,
    name,
    seq(utcTime(now), utcTime(notAfter)),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, sigAlg, tlv(0x03, Buffer.from([0]), signature));
  return {
    cert: pem('CERTIFICATE', der),
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

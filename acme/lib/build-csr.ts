// A PKCS#10 certificate signing request (RFC 2986) for the finalize call (RFC 8555 §7.4): the
// hosts as subjectAltName, OCSP must-staple (RFC 7633) when asked, signed ECDSA P-256 SHA-256.
// Node signs but cannot build a CSR, so it is written with a few DER helpers.
import { type KeyObject, sign } from 'node:crypto';
import { oid, seq, tlv } from '../../wire/index.js';

/** DER of a CSR for `hosts` (the first is the CommonName). */
export function buildCsr(
  hosts: readonly string[],
  privateKey: KeyObject,
  publicKey: KeyObject,
  mustStaple: boolean,
): Buffer {
  const subject = seq(tlv(0x31, seq(oid('2.5.4.3'), tlv(0x0c, Buffer.from(hosts[0]!)))));
  const extensions = [
    seq(oid('2.5.29.17'), tlv(0x04, seq(...hosts.map((h) => tlv(0x82, Buffer.from(h)))))),
  ];
  // TLS Feature extension with status_request (5): the certificate requires a stapled OCSP answer.
  if (mustStaple) {
    extensions.push(seq(oid('1.3.6.1.5.5.7.1.24'), tlv(0x04, seq(tlv(0x02, Buffer.from([5]))))));
  }
  const attributes = tlv(0xa0, seq(oid('1.2.840.113549.1.9.14'), tlv(0x31, seq(...extensions))));
  const info = seq(
    tlv(0x02, Buffer.from([0])),
    subject,
    publicKey.export({ type: 'spki', format: 'der' }),
    attributes,
  );
  const signature = sign('sha256', info, privateKey);
  return seq(info, seq(oid('1.2.840.10045.4.3.2')), tlv(0x03, Buffer.from([0]), signature));
}

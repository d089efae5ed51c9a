// What autocert needs to know of an issued chain: issuer, serial, validity, and when to renew
// (two thirds into its lifetime, as Let's Encrypt recommends: 60 of 90 days).
import { X509Certificate } from 'node:crypto';
import type { StoredCertificate } from './autocert-store.js';

export function describeCertificate(host: string, cert: string, key: string): StoredCertificate {
  const x = new X509Certificate(cert);
  const notBefore = Date.parse(x.validFrom);
  const notAfter = Date.parse(x.validTo);
  return {
    host,
    cert,
    key,
    issuer: x.issuer.replace(/\n/g, ', '),
    serial: x.serialNumber,
    notBefore,
    notAfter,
    renewAt: notBefore + Math.floor(((notAfter - notBefore) * 2) / 3),
  };
}

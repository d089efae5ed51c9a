// Record kinds of ACME / autocert (docs/acme.md): the account, each host's certificate and the
// pending HTTP-01 answers. Private keys are stored sealed (acme/lib/seal-secret.ts) by the
// writer, so the databroker only ever holds ciphertext for them.
import { z } from 'zod';

const epochMs = z.number().int().nonnegative();

/** The ACME account of one directory and e-mail: its URL and its sealed private JWK. */
export const acmeAccountSchema = z.object({
  id: z.string().min(1),
  directory: z.string(),
  url: z.string(),
  key: z.string(),
});
export type AcmeAccount = z.infer<typeof acmeAccountSchema>;

/** A host's certificate (id = the host): PEM chain, sealed PKCS#8 key and when to renew. */
export const acmeCertificateSchema = z.object({
  id: z.string().min(1),
  cert: z.string(),
  key: z.string(),
  issuer: z.string(),
  serial: z.string(),
  not_before: epochMs,
  not_after: epochMs,
  renew_at: epochMs,
});
export type AcmeCertificate = z.infer<typeof acmeCertificateSchema>;

/** The answer to an HTTP-01 challenge (id = the token), served by authn on any replica. */
export const acmeChallengeSchema = z.object({
  id: z.string().min(1),
  key_authorization: z.string(),
});
export type AcmeChallenge = z.infer<typeof acmeChallengeSchema>;

// CA bundles that go to Envoy (certificate_authority, a route's tls_custom_ca) must be PEM
// certificates: Envoy NACKs anything else, so they are checked when the config is parsed (the
// client CAs that authz reads are checked by authz's prepare phase). Inline values are PEM or
// the base64 of PEM, as in Pomerium; `_file` variants are read by Envoy and not checked here.
import { X509Certificate } from 'node:crypto';
import type { RawIssue } from './raw-issue.js';

const BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Why `text` is not a usable CA bundle, or undefined. */
export function caBundleProblem(text: string): string | undefined {
  const pem = text.includes('-----BEGIN') ? text : Buffer.from(text.trim(), 'base64').toString();
  const blocks = [...pem.matchAll(BLOCK)];
  if (blocks.length === 0) return 'is not a PEM certificate (nor the base64 of one)';
  for (const [i, b] of blocks.entries()) {
    try {
      new X509Certificate(b[0]);
    } catch (err) {
      return `certificate ${i + 1} does not parse (${(err as Error).message})`;
    }
  }
  return undefined;
}

export function checkCaBundle(
  r: Record<string, unknown>,
  key: string,
  path: readonly PropertyKey[],
  out: RawIssue[],
): void {
  const v = r[key];
  if (typeof v !== 'string' || v === '') return;
  const why = caBundleProblem(v);
  if (why !== undefined) out.push({ code: 'invalid_value', path: [...path, key], message: why });
}

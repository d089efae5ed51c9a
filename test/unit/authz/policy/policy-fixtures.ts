// Builders for policy tests: a PolicyRequest from a URL and a few fields, an identity, and a
// compiled document evaluated in one call.
import {
  compilePolicyDocument,
  type PolicyClientCertificate,
  type PolicyDecision,
  type PolicyIdentity,
  type PolicyRequest,
} from '../../../../authz/index.js';

export interface RequestSpec {
  method?: string;
  url?: string;
  headers?: Record<string, string>;
  sourceIp?: string;
  cert?: PolicyClientCertificate;
}

export function request(spec: RequestSpec = {}): PolicyRequest {
  const u = new URL(spec.url ?? 'https://app.example.com/');
  return {
    method: spec.method ?? 'GET',
    host: u.host,
    hostname: u.hostname,
    path: decodeURIComponent(u.pathname),
    rawPath: u.pathname,
    rawQuery: u.search.replace(/^\?/, ''),
    url: `https://${u.host}${u.pathname}${u.search}`,
    headers: spec.headers ?? { accept: 'text/html' },
    sourceIp: spec.sourceIp ?? '203.0.113.7',
    clientCertificate: spec.cert ?? { presented: false, valid: false },
  };
}

export function identity(spec: Partial<PolicyIdentity> = {}): PolicyIdentity {
  return {
    sessionId: 's1',
    userId: 'u1',
    email: 'a@example.com',
    groups: [],
    claims: {},
    ...spec,
  };
}

export const NOW = Date.parse('2026-11-24T10:00:00Z');

/** Compiles `doc` and evaluates it for one request/identity. */
export function decideDoc(
  doc: unknown,
  id: PolicyIdentity | null,
  spec: RequestSpec = {},
  now = NOW,
): PolicyDecision {
  return compilePolicyDocument(doc).evaluate(request(spec), id, { now });
}

/** A self-signed client certificate (openssl) with SANs email, two DNS names and a URI. */
export const CLIENT_PEM = `-----BEGIN CERTIFICATE-----
MIIB2zCCAYCgAwIBAgIUNpy7XqtenMyDwKTzAYkc3Kk2cb4wCgYIKoZIzj0EAwIw
ETEPMA0GA1UEAwwGY2xpZW50MCAXDTI2MTIwMTA4MDIzOFoYDzIxMjYxMTA3MDgw
MjM4WjARMQ8wDQYDVQQDDAZjbGllbnQwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AARtfPQiGp8DUtunUY8SpCRzt1i5NIy4sI/CW49tn4fN7nVi5mMXJypcCh4MC6pW
Gme0b6oXIa3BK2DTzf7KdKh+o4GzMIGwMB0GA1UdDgQWBBRr3WT5Z7gERz9o0g4o
zeqX/EQ+gzAfBgNVHSMEGDAWgBRr3WT5Z7gERz9o0g4ozeqX/EQ+gzAPBgNVHRMB
Af8EBTADAQH/MF0GA1UdEQRWMFSBEWFsaWNlQGV4YW1wbGUuY29tghJjbGllbnQu
ZXhhbXBsZS5jb22CD2FsdC5leGFtcGxlLmNvbYYac3BpZmZlOi8vZXhhbXBsZS5j
b20vYWxpY2UwCgYIKoZIzj0EAwIDSQAwRgIhANxdsNZfe8U1RzKUTOIOd+dLYA5P
+lAkGyp5LIpiaeVTAiEAlqyRqsM4hHDZxbb5fmYaA0pIEpLeFDSV7bmmYNvGiMs=
-----END CERTIFICATE-----
`;

/** `openssl x509 -fingerprint -sha256` of CLIENT_PEM. */
export const CLIENT_FINGERPRINT =
  'CC:7F:0D:08:8E:4A:3A:49:D0:26:54:15:8A:D5:4E:0F:15:A1:EF:5F:F4:BF:23:9C:D5:FB:3F:19:B8:5C:D2:79';
/** base64 SHA-256 of CLIENT_PEM's DER public key (openssl pkey | dgst). */
export const CLIENT_SPKI = 'o3AerkEWj1efJyeH2QYNb79povh50S9HptdPwbgfkCg=';

export const VALID_CERT: PolicyClientCertificate = {
  presented: true,
  valid: true,
  leafPem: CLIENT_PEM,
};

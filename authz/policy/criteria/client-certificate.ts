// `client_certificate` (a certificate matcher: fingerprint, spki_hash, san_email, san_dns,
// san_uri, ANDed) and `invalid_client_certificate` (no certificate, or one that fails validation).
import { type CompileContext, type CriterionCompiler, q } from '../lib/criterion.js';
import { type LeafFacts, leafFacts } from '../lib/parse-leaf-certificate.js';
import { reasonIndex } from '../lib/reasons.js';
import { requestCriterion } from '../lib/session-criterion.js';
import { compileStringMatcher } from '../lib/string-matcher.js';

type FactTest = (f: LeafFacts) => boolean;

function stringsOrList(value: unknown): string[] | undefined {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  return list.every((x) => typeof x === 'string') ? (list as string[]) : undefined;
}

function fingerprints(value: unknown, ctx: CompileContext): FactTest | undefined {
  const list = stringsOrList(value);
  const norm = list?.map((f) =>
    /^[0-9a-f]{64}$/.test(f)
      ? f
      : /^[0-9A-F]{2}(:[0-9A-F]{2}){31}$/.test(f)
        ? f.replaceAll(':', '').toLowerCase()
        : undefined,
  );
  if (norm === undefined || norm.some((f) => f === undefined)) {
    ctx.problem(
      'fingerprint needs SHA-256 fingerprints: 64 lowercase hex characters or 32 colon-separated uppercase hex pairs',
      ['fingerprint'],
    );
    return undefined;
  }
  const set = new Set(norm as string[]);
  return (f) => set.has(f.fingerprint);
}

function spkiHashes(value: unknown, ctx: CompileContext): FactTest | undefined {
  const list = stringsOrList(value);
  const valid =
    list?.every(
      (h) => /^[A-Za-z0-9+/]+={0,2}$/.test(h) && Buffer.from(h, 'base64').length === 32,
    ) ?? false;
  if (!valid) {
    ctx.problem('spki_hash needs base64 SHA-256 hashes (32 bytes) of the public key', [
      'spki_hash',
    ]);
    return undefined;
  }
  const set = new Set(list);
  return (f) => set.has(f.spkiHash);
}

const SAN_KEYS = { san_email: 'sanEmail', san_dns: 'sanDns', san_uri: 'sanUri' } as const;

function sanTest(key: keyof typeof SAN_KEYS, value: unknown, ctx: CompileContext) {
  const sub: CompileContext = {
    at: [...ctx.at, key],
    problem: (m, s) => ctx.problem(m, [key, ...(s ?? [])]),
  };
  const m = compileStringMatcher(value, sub);
  if (m === undefined) return undefined;
  const field = SAN_KEYS[key];
  const test: FactTest = (f) => f[field].some(m.test);
  return { test, describe: `${key} must ${m.describe}` };
}

export const compileClientCertificate: CriterionCompiler = (value, _sub, ctx) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.problem(
      'client_certificate needs an object (fingerprint, spki_hash, san_email, san_dns, san_uri)',
    );
    return undefined;
  }
  const tests: FactTest[] = [];
  const words: string[] = [];
  let ok = true;
  for (const [k, v] of Object.entries(value)) {
    let t: FactTest | undefined;
    if (k === 'fingerprint') {
      t = fingerprints(v, ctx);
      words.push(`fingerprint must be one of ${stringsOrList(v)?.map(q).join(', ')}`);
    } else if (k === 'spki_hash') {
      t = spkiHashes(v, ctx);
      words.push(`public key hash must be one of ${stringsOrList(v)?.map(q).join(', ')}`);
    } else if (k in SAN_KEYS) {
      const s = sanTest(k as keyof typeof SAN_KEYS, v, ctx);
      t = s?.test;
      if (s !== undefined) words.push(s.describe);
    } else {
      ctx.problem(
        `unknown certificate matcher key "${k}" (use fingerprint, spki_hash, san_email, san_dns, san_uri)`,
        [k],
      );
    }
    if (t === undefined) ok = false;
    else tests.push(t);
  }
  if (!ok) return undefined;
  const what = words.length === 0 ? 'any certificate' : words.join(' and ');
  return requestCriterion(
    'client_certificate',
    'client-certificate-ok',
    'client-certificate-unauthorized',
    {
      wanted: `a client certificate is required where ${what}`,
      wantedNot: `no client certificate may be presented where ${what}`,
    },
    (req) => {
      const cert = req.clientCertificate;
      if (!cert.presented || cert.leafPem === undefined) return false;
      const facts = leafFacts(cert.leafPem);
      if (facts === null) return false;
      for (let i = 0; i < tests.length; i++) if (!tests[i]!(facts)) return false;
      return true;
    },
    (req) => {
      const cert = req.clientCertificate;
      if (!cert.presented || cert.leafPem === undefined)
        return 'no client certificate was presented';
      const f = leafFacts(cert.leafPem);
      if (f === null) return 'the client certificate cannot be read';
      const sans = [...f.sanEmail, ...f.sanDns, ...f.sanUri];
      return `your certificate has fingerprint ${q(f.fingerprint)}${sans.length > 0 ? ` and SANs ${sans.map(q).join(', ')}` : ''}`;
    },
  );
};

const REQUIRED = reasonIndex('client-certificate-required');
const INVALID = reasonIndex('invalid-client-certificate');
const VALID = reasonIndex('valid-client-certificate');

export const compileInvalidClientCertificate: CriterionCompiler = () => ({
  key: 'invalid_client_certificate',
  wanted: 'the client certificate must be missing or invalid',
  wantedNot: 'a valid client certificate is required',
  test: (req) =>
    !req.clientCertificate.presented ? REQUIRED : !req.clientCertificate.valid ? INVALID : VALID,
  got: (req) =>
    !req.clientCertificate.presented
      ? 'no client certificate was presented'
      : !req.clientCertificate.valid
        ? 'your client certificate is not valid'
        : 'your client certificate is valid',
});

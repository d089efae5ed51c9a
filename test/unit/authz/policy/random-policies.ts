// Seeded random PPL documents and inputs for the property tests (shared vocabulary, so that
// criteria match often enough to exercise every outcome).
import type { PolicyIdentity } from '../../../../authz/index.js';
import {
  CLIENT_FINGERPRINT,
  CLIENT_SPKI,
  identity,
  request,
  VALID_CERT,
} from './policy-fixtures.js';

/** mulberry32: a small seeded PRNG, so a failure reproduces from its seed and index. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const EMAILS = ['a@x.com', 'b@x.com', 'a@y.org', 'nobody'];
const USERS = ['u1', 'u2', ''];
const GROUPS = ['eng', 'ops', 'admins'];
export const CLAIMS: unknown[] = ['sales', 'eng', 5, true];
const METHODS = ['GET', 'POST', 'OPTIONS'];
const PATHS = ['/', '/api/x', '/admin', '/api'];
const TOOLS = ['add', 'admin_drop', 'admin_list', 'read_table'];
const IPS = ['10.0.0.1', '10.1.2.3', '192.168.1.1', '203.0.113.7', ''];
const CIDRS = ['10.0.0.0/8', '10.0.0.0/16', '192.168.1.1', '203.0.113.0/24', '0.0.0.0/0'];
const ZONES = [
  'UTC',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Australia/Lord_Howe',
];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const START = Date.parse('2026-01-01T00:00:00Z');
const YEAR = 365 * 86_400_000;

export function generator(rand: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const some = <T>(xs: readonly T[]): T[] => xs.filter(() => rand() < 0.5);
  const fragments = (vocab: string[]) => [
    ...vocab,
    ...vocab.map((v) => v.slice(0, 2)),
    ...vocab.map((v) => v.slice(-3)),
  ];
  const strMatcher = (vocab: string[]): unknown => {
    if (rand() < 0.3) return pick(vocab);
    const ops = ['is', 'not', 'starts_with', 'ends_with', 'contains', 'in', 'not_in'];
    const out: Record<string, unknown> = {};
    for (let n = 1 + Math.floor(rand() * 2); n > 0; n--) {
      const op = pick(ops);
      out[op] = op === 'in' || op === 'not_in' ? some(vocab) : pick(fragments(vocab));
    }
    return out;
  };
  const listMatcher = (vocab: readonly unknown[]): unknown => {
    if (rand() < 0.3) return pick(vocab);
    const out: Record<string, unknown> = {};
    for (let n = 1 + Math.floor(rand() * 2); n > 0; n--)
      out[pick(['has', 'is', 'exclude'])] = pick(vocab);
    return out;
  };
  const hhmm = () =>
    `${String(Math.floor(rand() * 24)).padStart(2, '0')}:${pick(['00', '15', '30', '45'])}`;
  const date = () => new Date(START + rand() * YEAR).toISOString().slice(0, pick([10, 16]));
  const criterion = (): Record<string, unknown> => {
    switch (Math.floor(rand() * 19)) {
      case 0:
        return { accept: pick([true, false]) };
      case 1:
        return { reject: true };
      case 2:
        return { authenticated_user: true };
      case 3:
        return { email: strMatcher(EMAILS) };
      case 4:
        return { domain: strMatcher(['x.com', 'y.org']) };
      case 5:
        return { user: strMatcher(['u1', 'u2']) };
      case 6:
        return { groups: listMatcher(GROUPS) };
      case 7:
        return { 'claim/department': listMatcher(CLAIMS) };
      case 8:
        return { http_method: strMatcher(METHODS) };
      case 9:
        return { http_path: strMatcher(PATHS) };
      case 10:
        return { source_ip: rand() < 0.5 ? pick(CIDRS) : some(CIDRS).concat(pick(CIDRS)) };
      case 11:
        return { invalid_client_certificate: true };
      case 12:
        return { cors_preflight: true };
      case 13: {
        const m: Record<string, unknown> = {};
        for (const k of some(['fingerprint', 'spki_hash', 'san_dns', 'san_email', 'san_uri'])) {
          m[k] =
            k === 'fingerprint'
              ? pick([CLIENT_FINGERPRINT, 'a'.repeat(64)])
              : k === 'spki_hash'
                ? pick([CLIENT_SPKI, Buffer.alloc(32).toString('base64')])
                : k === 'san_dns'
                  ? strMatcher(['client.example.com', 'alt.example.com', 'x.example.com'])
                  : k === 'san_email'
                    ? strMatcher(['alice@example.com', 'bob@example.com'])
                    : strMatcher(['spiffe://example.com/alice', 'spiffe://other/']);
        }
        return { client_certificate: m };
      }
      case 14: {
        const [a, b] = [date(), date()].sort();
        const v: Record<string, unknown> = { time_zone: pick(ZONES) };
        if (a === b) v.after = a;
        else {
          if (rand() < 0.7) v.after = a;
          if (rand() < 0.7 || v.after === undefined) v.before = b;
        }
        return { date: v };
      }
      case 15: {
        const a = pick(DAYS);
        return {
          day_of_week: { days: rand() < 0.5 ? a : `${a}-${pick(DAYS)}`, time_zone: pick(ZONES) },
        };
      }
      case 16: {
        let a = hhmm();
        let b = hhmm();
        while (a === b) b = hhmm();
        if (rand() < 0.1) [a, b] = [b, a];
        return { time_of_day: { after: a, before: b, time_zone: pick(ZONES) } };
      }
      case 17:
        return { mcp_tool: strMatcher(TOOLS) };
      default:
        return { http_method: pick(METHODS) };
    }
  };
  const action = () => {
    const out: Record<string, unknown> = {};
    for (const op of some(['and', 'or', 'not', 'nor'])) {
      out[op] = Array.from({ length: Math.floor(rand() * 4) }, criterion);
    }
    return out;
  };
  const rule = () => {
    const r: Record<string, unknown> = {};
    if (rand() < 0.8) r.allow = action();
    if (rand() < 0.4) r.deny = action();
    return r;
  };
  const doc = (): unknown =>
    rand() < 0.5 ? rule() : Array.from({ length: Math.floor(rand() * 3) }, rule);
  const input = () => {
    const id: PolicyIdentity | null =
      rand() < 0.25
        ? null
        : identity({
            userId: pick(USERS),
            email: pick(EMAILS),
            groups: some(GROUPS),
            claims: rand() < 0.3 ? {} : { department: some(CLAIMS) },
          });
    const method = pick(METHODS);
    const headers: Record<string, string> = { accept: pick(['text/html', 'application/json']) };
    if (rand() < 0.5) headers.origin = 'https://o.example.com';
    if (rand() < 0.5) headers['access-control-request-method'] = 'GET';
    const certKind = Math.floor(rand() * 3);
    const req = request({
      method,
      url: `https://app.example.com${pick(PATHS)}`,
      headers,
      sourceIp: pick(IPS),
      cert:
        certKind === 0
          ? { presented: false, valid: false }
          : { ...VALID_CERT, valid: certKind === 2 },
    });
    const call = Math.floor(rand() * 3);
    return {
      req:
        call === 0
          ? req
          : {
              ...req,
              mcp:
                call === 1
                  ? { method: 'initialize', tool: null }
                  : { method: 'tools/call', tool: pick(TOOLS) },
            },
      id,
      now: START + Math.floor(rand() * YEAR),
      browser: headers.accept === 'text/html',
    };
  };
  return { doc, input };
}

// A deliberately naive PPL interpreter for the property test: walks the document for every
// request, keeps reasons as sets of strings, and reads the time with Intl on every call. It shares
// no code with the engine; it is written straight from docs/pomerium-behaviour.md §1.2–1.5 and our README.
import type { PolicyIdentity, PolicyRequest } from '../../../../authz/index.js';

type Result = { value: boolean; reasons: Set<string> };

/** The facts of CLIENT_PEM, from openssl (not from node:crypto). */
export const CLIENT_FACTS = {
  fingerprint: 'cc7f0d088e4a3a49d02654158ad54e0f15a1ef5ff4bf239cd5fb3f19b85cd279',
  spki: 'o3AerkEWj1efJyeH2QYNb79povh50S9HptdPwbgfkCg=',
  email: ['alice@example.com'],
  dns: ['client.example.com', 'alt.example.com'],
  uri: ['spiffe://example.com/alice'],
};

function stringMatch(m: unknown, s: string): boolean {
  if (typeof m === 'string') return s === m;
  const o = m as Record<string, unknown>;
  let ok = true;
  for (const k of Object.keys(o)) {
    const v = o[k];
    if (k === 'is') ok = ok && s === v;
    else if (k === 'not') ok = ok && s !== v;
    else if (k === 'starts_with') ok = ok && s.startsWith(v as string);
    else if (k === 'ends_with') ok = ok && s.endsWith(v as string);
    else if (k === 'contains') ok = ok && s.includes(v as string);
    else if (k === 'in') ok = ok && (v as string[]).includes(s);
    else if (k === 'not_in') ok = ok && !(v as string[]).includes(s);
    else throw new Error(`naive: operator ${k}`);
  }
  return ok;
}

function listMatch(m: unknown, list: readonly unknown[]): boolean {
  if (typeof m !== 'object' || m === null) return list.some((x) => x === m);
  let ok = true;
  for (const [k, v] of Object.entries(m)) {
    if (k === 'has') ok = ok && list.some((x) => x === v);
    else if (k === 'is') ok = ok && list.length === 1 && list[0] === v;
    else if (k === 'exclude') ok = ok && !list.some((x) => x === v);
    else throw new Error(`naive: list operator ${k}`);
  }
  return ok;
}

function ipv4(s: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (m === null) return undefined;
  return m.slice(1).reduce((acc, x) => acc * 256 + Number(x), 0);
}

function inCidr(ip: string, spec: string): boolean {
  const [net, bits = '32'] = spec.split('/');
  const a = ipv4(ip);
  const b = ipv4(net!);
  if (a === undefined || b === undefined) throw new Error('naive: IPv4 only');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(a / size) === Math.floor(b / size);
}

function local(now: number, tz: string): { date: string; day: number; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    weekday: 'short',
    hourCycle: 'h23',
  }).formatToParts(now);
  const get = (t: string) => parts.find((p) => p.type === t)!.value;
  const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(get('weekday'));
  return {
    date: `${get('year')}-${get('month')}-${get('day')}T${get('hour')}:${get('minute')}:${get('second')}`,
    day,
    minutes: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

const pad = (d: string) => (d.length === 10 ? `${d}T00:00:00` : d.length === 16 ? `${d}:00` : d);
const mins = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

function criterion(
  key: string,
  v: unknown,
  req: PolicyRequest,
  id: PolicyIdentity | null,
  now: number,
): Result {
  const r = (value: boolean, reason: string): Result => ({ value, reasons: new Set([reason]) });
  const session = (name: string, test: (id: PolicyIdentity) => boolean): Result =>
    id === null
      ? r(false, 'user-unauthenticated')
      : test(id)
        ? r(true, `${name}-ok`)
        : r(false, `${name}-unauthorized`);
  const o = v as Record<string, string>;
  if (key === 'accept') return r(true, 'accept');
  if (key === 'reject') return r(false, 'reject');
  if (key === 'authenticated_user') return session('user', (i) => i.userId !== '');
  if (key === 'email') return session('email', (i) => stringMatch(v, i.email));
  if (key === 'user') return session('user', (i) => stringMatch(v, i.userId));
  if (key === 'domain') {
    return session(
      'domain',
      (i) => i.email.includes('@') && stringMatch(v, i.email.split('@').pop()!),
    );
  }
  if (key === 'groups') return session('groups', (i) => listMatch(v, i.groups));
  if (key.startsWith('claim/')) {
    return session('claim', (i) => listMatch(v, i.claims[key.slice(6)] ?? []));
  }
  if (key === 'http_method') {
    return stringMatch(v, req.method)
      ? r(true, 'http-method-ok')
      : r(false, 'http-method-unauthorized');
  }
  if (key === 'mcp_tool') {
    if (req.mcp?.method !== 'tools/call') return r(false, 'mcp-not-a-tool-call');
    return stringMatch(v, req.mcp.tool ?? '')
      ? r(true, 'mcp-tool-match')
      : r(false, 'mcp-tool-no-match');
  }
  if (key === 'http_path') {
    return stringMatch(v, req.path) ? r(true, 'http-path-ok') : r(false, 'http-path-unauthorized');
  }
  if (key === 'source_ip') {
    const specs = typeof v === 'string' ? [v] : (v as string[]);
    const ok = req.sourceIp !== '' && specs.some((s) => inCidr(req.sourceIp, s));
    return ok ? r(true, 'source-ip-ok') : r(false, 'source-ip-unauthorized');
  }
  if (key === 'cors_preflight') {
    const ok =
      req.method === 'OPTIONS' &&
      'origin' in req.headers &&
      'access-control-request-method' in req.headers;
    return ok ? r(true, 'cors-request') : r(false, 'non-cors-request');
  }
  if (key === 'invalid_client_certificate') {
    if (!req.clientCertificate.presented) return r(true, 'client-certificate-required');
    if (!req.clientCertificate.valid) return r(true, 'invalid-client-certificate');
    return r(false, 'valid-client-certificate');
  }
  if (key === 'client_certificate') {
    let ok = req.clientCertificate.presented && req.clientCertificate.leafPem !== undefined;
    for (const [k, x] of Object.entries(o)) {
      if (k === 'fingerprint')
        ok = ok && CLIENT_FACTS.fingerprint === x.replaceAll(':', '').toLowerCase();
      else if (k === 'spki_hash') ok = ok && CLIENT_FACTS.spki === x;
      else if (k === 'san_dns') ok = ok && CLIENT_FACTS.dns.some((s) => stringMatch(x, s));
      else if (k === 'san_email') ok = ok && CLIENT_FACTS.email.some((s) => stringMatch(x, s));
      else if (k === 'san_uri') ok = ok && CLIENT_FACTS.uri.some((s) => stringMatch(x, s));
    }
    return ok ? r(true, 'client-certificate-ok') : r(false, 'client-certificate-unauthorized');
  }
  if (key === 'date') {
    const t = local(now, o.time_zone!).date;
    const ok =
      (o.after === undefined || t >= pad(o.after)) && (o.before === undefined || t < pad(o.before));
    return ok ? r(true, 'date-ok') : r(false, 'date-unauthorized');
  }
  if (key === 'day_of_week') {
    const day = local(now, o.time_zone!).day;
    const [a, b] = o.days!.split('-').map((d) => DAYS.indexOf(d));
    let ok = false;
    for (let d = a!; ; d = (d + 1) % 7) {
      if (d === day) ok = true;
      if (d === (b ?? a)) break;
    }
    return ok ? r(true, 'day-of-week-ok') : r(false, 'day-of-week-unauthorized');
  }
  if (key === 'time_of_day') {
    const m = local(now, o.time_zone!).minutes;
    const lo = mins(o.after!);
    const hi = mins(o.before!);
    const ok = lo < hi ? m >= lo && m < hi : m >= lo || m < hi;
    return ok ? r(true, 'time-of-day-ok') : r(false, 'time-of-day-unauthorized');
  }
  throw new Error(`naive: criterion ${key}`);
}

function union(rs: Result[]): Set<string> {
  return new Set(rs.flatMap((x) => [...x.reasons]));
}

function operator(op: string, rs: Result[]): Result {
  const invert = op === 'not' || op === 'nor';
  const xs = invert ? rs.map((x) => ({ value: !x.value, reasons: x.reasons })) : rs;
  const all = op === 'and' || op === 'not';
  if (all) {
    const value = xs.every((x) => x.value);
    return { value, reasons: union(xs.filter((x) => x.value === value)) };
  }
  const value = xs.some((x) => x.value);
  return { value, reasons: union(value ? xs.filter((x) => x.value) : xs) };
}

export interface NaiveDecision {
  outcome: string;
  status: number;
  reasons: string[];
  allowReasons: string[];
  denyReasons: string[];
  allow: boolean;
  deny: boolean;
}

export function naiveDecide(
  doc: unknown,
  req: PolicyRequest,
  id: PolicyIdentity | null,
  now: number,
  browser: boolean,
): NaiveDecision {
  const rules = Array.isArray(doc) ? doc : [doc];
  const blocks: Record<string, Result[]> = { allow: [], deny: [] };
  for (const rule of rules as Record<string, Record<string, unknown[]>>[]) {
    for (const action of ['allow', 'deny']) {
      const ops = rule[action];
      if (ops === undefined) continue;
      for (const [op, list] of Object.entries(ops)) {
        if (list.length === 0) continue;
        const rs = list.map((c) => {
          const [k, v] = Object.entries(c as object)[0]!;
          return criterion(k, v, req, id, now);
        });
        blocks[action]!.push(operator(op, rs));
      }
    }
  }
  const merge = (rs: Result[]): Result =>
    rs.length === 0 ? { value: false, reasons: new Set() } : operator('or', rs);
  const A = merge(blocks.allow!);
  const D = merge(blocks.deny!);
  const sorted = (s: Set<string>) => [...s].sort();
  const base = {
    allowReasons: sorted(A.reasons),
    denyReasons: sorted(D.reasons),
    allow: A.value,
    deny: D.value,
  };
  const cert = (s: Set<string>) =>
    s.has('client-certificate-required') || s.has('invalid-client-certificate');
  if (cert(D.reasons)) return { outcome: 'deny', status: 495, reasons: sorted(D.reasons), ...base };
  if (A.reasons.has('user-unauthenticated') || D.reasons.has('user-unauthenticated')) {
    return {
      outcome: 'login',
      status: browser ? 302 : 401,
      reasons: ['user-unauthenticated'],
      ...base,
    };
  }
  if (D.value) return { outcome: 'deny', status: 403, reasons: sorted(D.reasons), ...base };
  if (A.value) return { outcome: 'allow', status: 200, reasons: sorted(A.reasons), ...base };
  return {
    outcome: 'deny',
    status: cert(A.reasons) ? 495 : 403,
    reasons: sorted(A.reasons),
    ...base,
  };
}

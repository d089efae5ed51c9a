// Edge rules of the configuration, checked on the raw data like the other cross-key rules:
// header names and values (wire/edge/header-rules.ts; jwt_claims_headers names too), wildcard-only `from`, metadata or
// link-local `to` (wire/edge/upstream-address.ts), list criteria written as a bare string,
// and `cookie_name`.
import { isIP } from 'node:net';
import {
  HTTP_TOKEN,
  headerNameProblem,
  headerValueProblem,
  isMetadataOrLinkLocal,
} from '../../wire/index.js';
import type { RawIssue } from './raw-issue.js';

type Raw = Record<string, unknown>;

const isMap = (v: unknown): v is Raw => v !== null && typeof v === 'object' && !Array.isArray(v);
const TOKEN = HTTP_TOKEN;

function checkHeaderMap(
  map: unknown,
  path: PropertyKey[],
  out: RawIssue[],
  opts: { values: boolean; disable: boolean; reservedOnly?: boolean },
): void {
  if (!isMap(map)) return;
  for (const [name, value] of Object.entries(map)) {
    if (opts.disable && name === 'disable') continue;
    // the schema already refuses names that are not tokens there
    if (opts.reservedOnly && !TOKEN.test(name)) continue;
    const bad = headerNameProblem(name);
    if (bad !== null)
      out.push({ code: 'invalid_value', path: [...path, name], atKey: true, message: bad });
    if (opts.values && typeof value === 'string') {
      const badValue = headerValueProblem(value);
      if (badValue !== null)
        out.push({ code: 'invalid_value', path: [...path, name], message: badValue });
    }
  }
}

function checkHeaderList(list: unknown, path: PropertyKey[], out: RawIssue[]): void {
  const names = typeof list === 'string' ? list.split(',').map((s) => s.trim()) : list;
  if (!Array.isArray(names)) return;
  names.forEach((name, i) => {
    if (typeof name !== 'string' || name === '') return;
    const bad = headerNameProblem(name);
    if (bad !== null) {
      out.push({
        code: 'invalid_value',
        path: Array.isArray(list) ? [...path, i] : path,
        message: bad,
      });
    }
  });
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url.replaceAll('*', 'wildcard-placeholder')).hostname.replaceAll(
      'wildcard-placeholder',
      '*',
    );
  } catch {
    return undefined;
  }
}

function checkUpstreams(r: Raw, path: PropertyKey[], out: RawIssue[]): void {
  if (r.allow_link_local_upstream === true) return;
  const list = typeof r.to === 'string' ? [r.to] : Array.isArray(r.to) ? r.to : [];
  list.forEach((raw, i) => {
    if (typeof raw !== 'string') return;
    const comma = raw.lastIndexOf(',');
    const url = comma >= 0 && /^\s*\d+\s*$/.test(raw.slice(comma + 1)) ? raw.slice(0, comma) : raw;
    let hostname: string;
    try {
      hostname = new URL(url.trim()).hostname;
    } catch {
      return;
    }
    if (isMetadataOrLinkLocal(hostname)) {
      out.push({
        code: 'invalid_url',
        path: typeof r.to === 'string' ? [...path, 'to'] : [...path, 'to', i],
        message: `${hostname} is link-local or a cloud metadata service (set allow_link_local_upstream: true if this is intended)`,
      });
    }
  });
}

/** A header the route only names (reads or rewrites): an HTTP token, nothing more. */
function checkNamedHeader(name: unknown, path: PropertyKey[], out: RawIssue[]): void {
  if (typeof name !== 'string' || TOKEN.test(name)) return;
  out.push({
    code: 'invalid_value',
    path,
    message: `"${name.replace(/[^\x20-\x7e]/g, '?')}" is not a valid header name`,
  });
}

export function checkEdgeRouteRules(r: Raw, path: PropertyKey[], out: RawIssue[]): void {
  checkNamedHeader(r.host_rewrite_header, [...path, 'host_rewrite_header'], out);
  if (Array.isArray(r.rewrite_response_headers)) {
    r.rewrite_response_headers.forEach((x, i) => {
      if (isMap(x))
        checkNamedHeader(x.header, [...path, 'rewrite_response_headers', i, 'header'], out);
    });
  }
  checkHeaderMap(r.set_request_headers, [...path, 'set_request_headers'], out, {
    values: true,
    disable: false,
  });
  checkHeaderList(r.remove_request_headers, [...path, 'remove_request_headers'], out);
  checkHeaderMap(r.set_response_headers, [...path, 'set_response_headers'], out, {
    values: true,
    disable: true,
  });
  if (typeof r.from === 'string') {
    const host = hostOf(r.from);
    if (host?.includes('*') && /^[*.]+$/.test(host)) {
      out.push({
        code: 'invalid_url',
        path: [...path, 'from'],
        message:
          'a host made only of wildcards matches every host (name the domain: https://*.example.com)',
      });
    }
  }
  checkUpstreams(r, path, out);
  for (const key of ['allowed_users', 'allowed_domains'] as const) {
    if (typeof r[key] === 'string') {
      out.push({
        code: 'invalid_type',
        path: [...path, key],
        message: `must be a list (write ${key}: [${r[key]}])`,
      });
    }
  }
}

function isCidr(s: string): boolean {
  const [address = '', len, ...rest] = s.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (len === undefined) return true;
  return /^\d{1,3}$/.test(len) && Number(len) <= (family === 4 ? 32 : 128);
}

export function checkEdgeGlobalRules(raw: Raw, out: RawIssue[]): void {
  // Claim headers are set on the upstream request like set_request_headers (names only here:
  // their values come from claims and are made header-safe by authz).
  checkHeaderMap(raw.jwt_claims_headers, ['jwt_claims_headers'], out, {
    values: false,
    disable: false,
    reservedOnly: true,
  });
  const cidrs = raw.internal_address_cidrs;
  const list = typeof cidrs === 'string' ? cidrs.split(',').map((c) => c.trim()) : cidrs;
  if (Array.isArray(list)) {
    list.forEach((c, i) => {
      if (typeof c === 'string' && c !== '' && !isCidr(c)) {
        out.push({
          code: 'invalid_value',
          path: Array.isArray(cidrs) ? ['internal_address_cidrs', i] : ['internal_address_cidrs'],
          message: `"${c}" is not an IP address or CIDR range (such as 10.1.0.0/16)`,
        });
      }
    });
  }
  checkHeaderMap(raw.set_response_headers, ['set_response_headers'], out, {
    values: true,
    disable: true,
  });
  const name = raw.cookie_name;
  if (typeof name === 'string' && !TOKEN.test(name)) {
    out.push({
      code: 'invalid_value',
      path: ['cookie_name'],
      message: "must be a cookie name (letters, digits and !#$%&'*+-.^_`|~, no spaces, = or ;)",
    });
  }
}

// Edge conversion, inbound: Envoy's CheckRequest (as @grpc/proto-loader decodes it, keepCase)
// becomes an AuthzRequest. Only this file and write-check-response.ts know the proto shapes;
// a CheckRequest without HTTP attributes throws AUTHZ_BAD_REQUEST; a request field that cannot
// be judged (authority, path: wire/edge/) is named in `rejected` and answered with a 400
// before any policy (check.ts), never parsed further.
import { randomUUID } from 'node:crypto';
import { PortcullisError } from '../../errors/index.js';
import { checkAuthority, checkCanonicalPath, hostnameOf } from '../../wire/index.js';
import type { AuthzRequest } from '../lib/authz-types.js';

/** The parts of `envoy.service.auth.v3.CheckRequest` we read (all optional on the wire). */
export interface CheckRequestWire {
  readonly attributes?: {
    readonly source?: {
      readonly address?: { readonly socket_address?: { readonly address?: string } | null } | null;
      readonly certificate?: string;
    } | null;
    readonly request?: {
      readonly http?: {
        readonly id?: string;
        readonly method?: string;
        readonly headers?: Readonly<Record<string, string>> | null;
        readonly header_map?: {
          readonly headers?: readonly {
            readonly key?: string;
            readonly value?: string;
            readonly raw_value?: Uint8Array | string;
          }[];
        } | null;
        readonly path?: string;
        readonly host?: string;
        /** Only on MCP server routes, where Envoy buffers it (docs/mcp.md). */
        readonly body?: string;
      } | null;
    } | null;
    readonly context_extensions?: Readonly<Record<string, string>> | null;
  } | null;
}

const MAX_ID = 128;
const NO_CERTIFICATE = Object.freeze({ presented: false, valid: false });
const UNJUDGED_CERTIFICATE = Object.freeze({ presented: true, valid: false });

/**
 * The `Chain="…"` of the last XFCC element (Envoy's own with forward_client_cert_details
 * SANITIZE_SET), URL-decoded; '' when absent or malformed. Its certificates are only candidates.
 */
function xfccChain(xfcc: string | undefined): string {
  if (xfcc === undefined || xfcc.length > 64 * 1024) return '';
  const last = xfcc.slice(xfcc.lastIndexOf(',') + 1);
  const m = /(?:^|;)Chain="([^"]*)"/.exec(last);
  if (m === null) return '';
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return '';
  }
}

function bad(message: string): PortcullisError {
  return new PortcullisError('AUTHZ_BAD_REQUEST', message);
}

type HttpWire = NonNullable<
  NonNullable<NonNullable<CheckRequestWire['attributes']>['request']>['http']
>;

/**
 * The request's headers, lower-cased, pseudo-headers left out, repeats joined with `,`, and
 * every Cookie value in order (Envoy's `headers` map first, then its `header_map`). Written
 * straight into the result: no list of pairs per Check.
 */
function readHeaders(http: NonNullable<HttpWire>): {
  headers: Record<string, string>;
  cookies: string;
} {
  const headers: Record<string, string> = Object.create(null);
  let cookies = '';
  let cookieCount = 0;
  const add = (key: string, value: string): void => {
    const name = key.toLowerCase();
    if (name.startsWith(':')) return;
    if (name === 'cookie') cookies = cookieCount++ === 0 ? value : `${cookies},${value}`;
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  };
  const map = http.headers;
  if (map) for (const k of Object.keys(map)) add(k, String(map[k]));
  for (const h of http.header_map?.headers ?? []) {
    if (!h.key) continue;
    let v = h.value ?? '';
    if (v === '' && h.raw_value !== undefined && h.raw_value.length > 0) {
      v =
        typeof h.raw_value === 'string' ? h.raw_value : Buffer.from(h.raw_value).toString('latin1');
    }
    add(h.key, v);
  }
  return { headers, cookies };
}

function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** Converts one decoded CheckRequest; throws AUTHZ_BAD_REQUEST when it cannot be judged. */
export function readCheckRequest(wire: CheckRequestWire): AuthzRequest {
  const attrs = wire.attributes;
  const http = attrs?.request?.http;
  if (!attrs || !http) throw bad('the CheckRequest carries no HTTP request attributes');
  const { headers, cookies } = readHeaders(http);
  const host = http.host || headers.host || '';
  const target = http.path || '/';
  const q = target.indexOf('?');
  const rawPath = q === -1 ? target : target.slice(0, q);
  const rawQuery = q === -1 ? '' : target.slice(q + 1);
  // A Host header beside :authority that names another host is a second authority.
  const rejected =
    checkAuthority(host) ??
    (http.host && headers.host !== undefined && headers.host.toLowerCase() !== host.toLowerCase()
      ? 'host-duplicate'
      : null) ??
    checkCanonicalPath(rawPath);
  const ext = attrs.context_extensions ?? {};
  // The `x-request-id` Envoy generated or kept is the id the access log, authn and the upstream
  // see; `http.id` is only Envoy's internal stream id (a fallback when the header is missing).
  const id = headers['x-request-id'] || http.id || '';
  let pem = '';
  const cert = attrs.source?.certificate ?? '';
  if (cert !== '') {
    try {
      pem = decodeURIComponent(cert);
    } catch {
      pem = '';
    }
  }
  return {
    peerCertificateChain: cert === '' ? '' : xfccChain(headers['x-forwarded-client-cert']),
    requestId: id !== '' && id.length <= MAX_ID ? id : randomUUID(),
    checkRequestId: (http.id ?? '').slice(0, MAX_ID),
    http: {
      method: (http.method || 'GET').toUpperCase(),
      host,
      hostname: hostnameOf(host),
      path: decodePath(rawPath),
      rawPath,
      rawQuery,
      url: `https://${host}${rawPath}${rawQuery === '' ? '' : `?${rawQuery}`}`,
      headers,
      sourceIp: attrs.source?.address?.socket_address?.address ?? '',
      clientCertificate: cert === '' ? NO_CERTIFICATE : UNJUDGED_CERTIFICATE,
    },
    internal: ext.internal === 'true',
    routeId: ext.route_id ?? '',
    peerCertificatePresented: cert !== '',
    peerCertificatePem: pem,
    cookieHeader: cookies,
    rejected,
    body: http.body ?? '',
  };
}

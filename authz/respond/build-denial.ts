// Denials are built by small pure constructors (docs/style.md §10): login redirect, 401, 403, 404, 495,
// 503. The body follows the client (§3.6: HTML page, JSON, or gRPC status headers), every
// denial carries the request id and the security headers (wire/edge/security-headers.ts), and
// 403s name the failing rule and link the `/.pomerium/` page.
import { responseFormat, SECURITY_RESPONSE_HEADERS } from '../../wire/index.js';
import type { DenialInfo, DenyResponse, HeaderPair } from '../lib/authz-types.js';
import { denialPageCsp, renderDenialPage } from './render-denial-page.js';

/** What a denial says, before it is put into a format. */
export type { DenialInfo } from '../lib/authz-types.js';

/** HTTP status → gRPC status (docs/pomerium-behaviour.md §3.6). */
export function grpcStatusOf(status: number): number {
  switch (status) {
    case 400:
      return 13;
    case 401:
      return 16;
    case 403:
      return 7;
    case 404:
      return 12;
    case 429:
    case 502:
    case 503:
    case 504:
      return 14;
    default:
      return 2;
  }
}

export const STATUS_TEXT: Readonly<Record<number, string>> = {
  302: 'Found',
  400: 'Bad Request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not Found',
  495: 'a valid client certificate is required to access this page',
  503: 'Service Unavailable',
};

/** The CheckResponse gRPC code: UNAVAILABLE for 503, PERMISSION_DENIED for every other denial. */
function checkCodeOf(status: number): number {
  return status === 503 ? 14 : 7;
}

export function buildDenial(
  info: DenialInfo,
  requestHeaders: Readonly<Record<string, string>>,
): DenyResponse {
  const format = responseFormat(requestHeaders);
  const base: HeaderPair[] = [
    ['x-request-id', info.requestId],
    ['cache-control', 'no-store'],
    ...SECURITY_RESPONSE_HEADERS,
    ...(info.headers ?? []),
  ];
  if (format === 'grpc' || format === 'grpc-web') {
    const message = `${info.error}${info.explanation ? `: ${info.explanation}` : ''} (request id ${info.requestId})`;
    return {
      kind: 'deny',
      status: info.status === 302 ? 401 : info.status,
      grpcCode: checkCodeOf(info.status),
      headers: [
        ...base,
        ['content-type', format === 'grpc' ? 'application/grpc+json' : 'application/grpc-web+json'],
        ['grpc-status', String(grpcStatusOf(info.status === 302 ? 401 : info.status))],
        ['grpc-message', encodeURIComponent(message)],
      ],
      body: '',
    };
  }
  if (format === 'json') {
    const body: Record<string, unknown> = { error: info.error, request_id: info.requestId };
    if (info.code) body.code = info.code;
    if (info.explanation) body.explanation = info.explanation;
    if (info.reasons) body.reasons = info.reasons;
    if (info.failures && info.failures.length > 0) body.failures = info.failures;
    if (info.userInfoUrl) body.user_info_url = info.userInfoUrl;
    return {
      kind: 'deny',
      status: info.status,
      grpcCode: checkCodeOf(info.status),
      headers: [...base, ['content-type', 'application/json']],
      body: JSON.stringify(body),
    };
  }
  // the page's own strict CSP (no script, styles from us) replaces the frame-only one
  return {
    kind: 'deny',
    status: info.status,
    grpcCode: checkCodeOf(info.status),
    headers: [
      ...base.map(
        (h): HeaderPair => (h[0] === 'content-security-policy' ? [h[0], denialPageCsp(info)] : h),
      ),
      ['content-type', 'text/html; charset=UTF-8'],
      ['x-pomerium-intercepted-response', 'true'],
    ],
    body: renderDenialPage(info),
  };
}

// The internal request and response of one Check, free of proto types: read-check-request.ts
// builds an AuthzRequest from Envoy's CheckRequest, write-check-response.ts turns an
// AuthzResponse back into a CheckResponse. Everything between works on these.

import type { Theme } from '../../wire/index.js';
import type { PolicyFailure, PolicyRequest } from '../policy/types.js';

/** One Check as the pipeline sees it (the client certificate is judged later, per route). */
export interface AuthzRequest {
  /** Envoy's request id (`x-request-id`), or one we made up. */
  readonly requestId: string;
  /** Envoy's internal id of the Check (`attributes.request.http.id`), for `check-request-id`. */
  readonly checkRequestId?: string;
  /**
   * What the policy sees. `clientCertificate` is final when none was presented; a presented
   * one is a placeholder (invalid) until judged against the route's CA.
   */
  readonly http: PolicyRequest;
  /** `context_extensions.internal === 'true'`: Portcullis' own paths (authn serves them). */
  readonly internal: boolean;
  /** `context_extensions.route_id` ('' when absent). */
  readonly routeId: string;
  /** Envoy sent a downstream peer certificate (even one we cannot read). */
  readonly peerCertificatePresented: boolean;
  /** URL-decoded PEM of the downstream leaf certificate ('' when none or unreadable). */
  readonly peerCertificatePem: string;
  /**
   * URL-decoded PEM chain the client sent (Envoy's XFCC `Chain`, leaf first; '' when none): only
   * candidate intermediates, verified up to a configured CA by the certificate judge.
   */
  readonly peerCertificateChain: string;
  /** Every `Cookie` header value as Envoy sent it (Envoy joins repeated headers with `,`). */
  readonly cookieHeader: string;
  /**
   * Why the request cannot be judged (a malformed or repeated authority, a non-canonical path:
   * wire/edge/), answered with 400 before any policy; null for a well-formed request.
   */
  readonly rejected: string | null;
  /** The request body Envoy buffered (MCP server routes only, docs/mcp.md); '' otherwise. */
  readonly body?: string;
}

/** A header to set on the upstream request (overwriting any client value). */
export type HeaderPair = readonly [name: string, value: string];

/** Let the request through, with these changes to it. */
export interface AllowResponse {
  readonly kind: 'allow';
  readonly headers: readonly HeaderPair[];
  readonly headersToRemove: readonly string[];
  readonly queryToRemove: readonly string[];
}

/** Answer the client directly (login redirect, 401, 403, 404, 495, 503, …). */
export interface DenyResponse {
  readonly kind: 'deny';
  /** HTTP status Envoy sends. */
  readonly status: number;
  /** gRPC status code of the CheckResponse (7 PERMISSION_DENIED, 14 UNAVAILABLE, …). */
  readonly grpcCode: number;
  readonly headers: readonly HeaderPair[];
  readonly body: string;
}

export type AuthzResponse = AllowResponse | DenyResponse;

/** What a denial says, before it is put into a format (authz/respond/build-denial.ts). */
export interface DenialInfo {
  readonly status: number;
  /** Short text (`error` of the JSON body, `grpc-message`). */
  readonly error: string;
  readonly requestId: string;
  readonly explanation?: string;
  readonly reasons?: readonly string[];
  readonly failures?: readonly PolicyFailure[];
  /** Signed link to the authenticate host's `/.pomerium/` page (or the route host's). */
  readonly userInfoUrl?: string;
  /** Extra headers (Location). */
  readonly headers?: readonly HeaderPair[];
  /** Machine-readable code (AUTHZ_* or a policy reason) for JSON and logs. */
  readonly code?: string;
  /** What the HTML page shows besides (wire/pages/render-denial.ts); absent elsewhere. */
  readonly page?: DenialPageContext;
}

/** The request and the branding an HTML denial page shows. */
export interface DenialPageContext {
  readonly host: string;
  readonly path: string;
  /** Email (or user id) of the signed-in user; null when not signed in; undefined: not said. */
  readonly who: string | null | undefined;
  readonly theme: Theme;
}

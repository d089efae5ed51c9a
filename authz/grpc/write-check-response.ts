// Edge conversion, outbound: an AuthzResponse becomes Envoy's CheckResponse (as
// @grpc/proto-loader encodes it). Headers overwrite client values (OVERWRITE_IF_EXISTS_OR_ADD),
// denials carry PERMISSION_DENIED (UNAVAILABLE for 503) with the HTTP status, headers and body.
import type { AuthzResponse, HeaderPair } from '../lib/authz-types.js';
import { type DecisionSummary, decisionMetadata, type StructWire } from './decision-metadata.js';

/** The parts of `envoy.service.auth.v3.CheckResponse` we write. */
export interface CheckResponseWire {
  readonly status: { readonly code: number; readonly message: string };
  readonly ok_response?: {
    readonly headers: readonly HeaderOptionWire[];
    readonly headers_to_remove: readonly string[];
    readonly query_parameters_to_remove: readonly string[];
  };
  readonly denied_response?: {
    readonly status: { readonly code: number };
    readonly headers: readonly HeaderOptionWire[];
    readonly body: string;
  };
  /** The decision for Envoy's access log (authz/grpc/decision-metadata.ts). */
  readonly dynamic_metadata?: StructWire;
}

export interface HeaderOptionWire {
  readonly header: { readonly key: string; readonly value: string };
  readonly append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' | 'APPEND_IF_EXISTS_OR_ADD';
  readonly append?: { readonly value: boolean };
}

/**
 * The first value of a name replaces the client's; further values of it are appended (Envoy's
 * ext_authz honours the `append` flag here and joins them into the same header line).
 */
function headerOptions(headers: readonly HeaderPair[]): HeaderOptionWire[] {
  let previous: string | undefined;
  return [...headers]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => {
      const append = key === previous;
      previous = key;
      return {
        header: { key, value },
        append_action: append ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD',
        ...(append ? { append: { value: true } } : {}),
      };
    });
}

export function writeCheckResponse(
  response: AuthzResponse,
  summary?: DecisionSummary,
): CheckResponseWire {
  const meta = summary ? { dynamic_metadata: decisionMetadata(summary) } : {};
  if (response.kind === 'allow') {
    return {
      ...meta,
      status: { code: 0, message: '' },
      ok_response: {
        headers: headerOptions(response.headers),
        headers_to_remove: response.headersToRemove,
        query_parameters_to_remove: response.queryToRemove,
      },
    };
  }
  return {
    ...meta,
    status: {
      code: response.grpcCode,
      message: response.grpcCode === 14 ? 'Unavailable' : 'Access Denied',
    },
    denied_response: {
      status: { code: response.status },
      headers: headerOptions(response.headers),
      body: response.body,
    },
  };
}

/** Serialized CheckResponse bytes, or the object for the proto serializer. */
export type EncodedCheckResponse = Buffer | CheckResponseWire;

const MAX_KEY = 16_384;
const ASSERTION = 'x-pomerium-jwt-assertion';

/**
 * Encodes responses, reusing the serialized bytes of an OK answer seen before: the same set of
 * headers (the cached assertion included), removals and query removals give the same bytes, so
 * the hot path skips building and encoding the protobuf (the decision summary is part of the
 * key). Denials (they carry the request id) are never cached.
 */
export function createResponseEncoder(
  serialize: (wire: CheckResponseWire) => Buffer,
  maxEntries = 10_000,
): (response: AuthzResponse, summary?: DecisionSummary) => EncodedCheckResponse {
  // Outer key: the assertion (the same cached string object every time, so its hash is cached
  // too); inner key: every other header, removal and query removal (short).
  const cache = new Map<string, Map<string, Buffer>>();
  let size = 0;
  return (response, summary) => {
    if (response.kind !== 'allow') return writeCheckResponse(response, summary);
    let outer = '';
    let key = '';
    for (const [n, v] of response.headers) {
      if (n === ASSERTION) outer = v;
      else key += `${n}\u0000${v}\u0000`;
    }
    key += '\u0001';
    for (const n of response.headersToRemove) key += `${n}\u0000`;
    key += '\u0001';
    for (const n of response.queryToRemove) key += `${n}\u0000`;
    if (summary) {
      key += `\u0001${summary.outcome}\u0000${summary.reason}\u0000${summary.routeId}\u0000${summary.routeName}`;
    }
    if (key.length > MAX_KEY) return writeCheckResponse(response, summary);
    let inner = cache.get(outer);
    let bytes = inner?.get(key);
    if (bytes === undefined) {
      bytes = serialize(writeCheckResponse(response, summary));
      if (size >= maxEntries) {
        cache.clear();
        size = 0;
        inner = undefined;
      }
      if (inner === undefined) {
        inner = new Map();
        cache.set(outer, inner);
      }
      inner.set(key, bytes);
      size++;
    }
    return bytes;
  };
}

// Edge conversion, outbound: an AuthzResponse becomes Envoy's CheckResponse (as
// @grpc/proto-loader encodes it). Headers overwrite client values (OVERWRITE_IF_EXISTS_OR_ADD),
// denials carry PERMISSION_DENIED (UNAVAILABLE for 503) with the HTTP status, headers and body.
import type { AuthzResponse, HeaderPair } from './authz-types.js';

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
}

export interface HeaderOptionWire {
  readonly header: { readonly key: string; readonly value: string };
  readonly append_action: 'OVERWRITE_IF_EXISTS_OR_ADD';
}

function headerOptions(headers: readonly HeaderPair[]): HeaderOptionWire[] {
  return [...headers]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => ({
      header: { key, value },
      append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
    }));
}

export function writeCheckResponse(response: AuthzResponse): CheckResponseWire {
  if (response.kind === 'allow') {
    return {
      status: { code: 0, message: '' },
      ok_response: {
        headers: headerOptions(response.headers),
        headers_to_remove: response.headersToRemove,
        query_parameters_to_remove: response.queryToRemove,
      },
    };
  }
  return {
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

// A policy denial on an MCP route as a JSON-RPC 2.0 error (docs/mcp.md): an agent can show its
// message instead of an HTML page. The request id is unknown here (the body is not read), so
// `id` is null as JSON-RPC 2.0 §5 prescribes when the id cannot be determined.

/** Implementation-defined server error (JSON-RPC 2.0 §5.1 reserves -32000…-32099). */
export const ACCESS_DENIED_CODE = -32001;

export function jsonRpcDenial(
  message: string,
  data: { readonly requestId: string; readonly reasons?: readonly string[] },
  code: number = ACCESS_DENIED_CODE,
): string {
  return JSON.stringify({
    jsonrpc: '2.0',
    id: null,
    error: {
      code,
      message,
      data: { request_id: data.requestId, ...(data.reasons ? { reasons: data.reasons } : {}) },
    },
  });
}

// The JSON-RPC 2.0 body of a request to an MCP server route (docs/mcp.md), read for policy and
// logs: what it calls (`method`, and the tool of a `tools/call`) or why it is not a JSON-RPC
// message. Envoy hands authz the buffered body (bounded by max_request_bytes: a larger one is
// answered 413 by Envoy and never reaches authz); this only reads it, so a malformed body is a
// clean refusal with a JSON-RPC error code, never a throw.

/** JSON-RPC 2.0 §5.1 error codes. */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INVALID_PARAMS = -32602;

/** One message of the body. */
export interface JsonRpcCall {
  /** `tools/call`, `initialize`, …; '' for a response the client sends back (result/error). */
  readonly method: string;
  /** The tool of a `tools/call` (params.name), else null. */
  readonly tool: string | null;
}

export type JsonRpcBody =
  | { readonly kind: 'none' }
  | { readonly kind: 'messages'; readonly messages: readonly JsonRpcCall[] }
  | { readonly kind: 'invalid'; readonly code: number; readonly message: string };

const NONE: JsonRpcBody = Object.freeze({ kind: 'none' });
/** More messages than this in one batch is not a client anyone writes. */
const MAX_BATCH = 100;

const invalid = (code: number, message: string): JsonRpcBody => ({
  kind: 'invalid',
  code,
  message,
});

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

function readMessage(m: unknown): JsonRpcCall | string {
  if (!isObject(m)) return 'a JSON-RPC message must be an object';
  if (m.jsonrpc !== '2.0') return 'jsonrpc must be "2.0"';
  if (Object.hasOwn(m, 'method')) {
    if (typeof m.method !== 'string' || m.method === '') return 'method must be a non-empty string';
    if (m.params !== undefined && typeof m.params !== 'object') return 'params must be structured';
    if (m.method !== 'tools/call') return { method: m.method, tool: null };
    const params = m.params;
    if (!isObject(params) || typeof params.name !== 'string' || params.name === '') {
      return 'tools/call needs params.name, a non-empty string';
    }
    return { method: m.method, tool: params.name };
  }
  if (Object.hasOwn(m, 'result') || Object.hasOwn(m, 'error')) return { method: '', tool: null };
  return 'a JSON-RPC message needs a method, a result or an error';
}

/**
 * Reads the body of a request with this HTTP method: GET, DELETE, … and an empty body carry no
 * message (`none`); a POST carries one message or a non-empty batch.
 */
export function readJsonRpcBody(httpMethod: string, body: string): JsonRpcBody {
  if (httpMethod !== 'POST') return NONE;
  if (body.trim() === '') return invalid(INVALID_REQUEST, 'the request has no JSON-RPC message');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return invalid(PARSE_ERROR, 'the body is not JSON');
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0) return invalid(INVALID_REQUEST, 'an empty batch');
  if (list.length > MAX_BATCH) return invalid(INVALID_REQUEST, `a batch of more than ${MAX_BATCH}`);
  const messages: JsonRpcCall[] = [];
  for (const m of list) {
    const read = readMessage(m);
    if (typeof read === 'string') {
      const code = read.startsWith('tools/call') ? INVALID_PARAMS : INVALID_REQUEST;
      return invalid(code, read);
    }
    messages.push(read);
  }
  return { kind: 'messages', messages };
}

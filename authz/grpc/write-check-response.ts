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
/** Ends a section of the key (headers, removals, query removals): never a header name. */
const SECTION = Symbol('section');

type KeyPart = string | symbol;

/**
 * One level of the answer cache: the next part of the key (a header name or value, a removal, a
 * decision field, SECTION) to the level below; `bytes` where a key ends. Most levels have one
 * part below them (past the assertion every key is its own): that one is held in `part`/`child`,
 * and a Map is made only where keys branch, so the cache costs about what the concatenated
 * string keys did.
 */
interface KeyNode {
  part: KeyPart | undefined;
  child: KeyNode | undefined;
  branches: Map<KeyPart, KeyNode> | undefined;
  bytes: Buffer | undefined;
}

const keyNode = (): KeyNode => ({
  part: undefined,
  child: undefined,
  branches: undefined,
  bytes: undefined,
});

function below(node: KeyNode, part: KeyPart): KeyNode | undefined {
  if (node.branches !== undefined) return node.branches.get(part);
  return node.part === part ? node.child : undefined;
}

function belowOrNew(node: KeyNode, part: KeyPart): KeyNode {
  const found = below(node, part);
  if (found !== undefined) return found;
  const made = keyNode();
  if (node.branches !== undefined) node.branches.set(part, made);
  else if (node.child === undefined) {
    node.part = part;
    node.child = made;
  } else {
    node.branches = new Map<KeyPart, KeyNode>([
      [node.part!, node.child],
      [part, made],
    ]);
    node.part = undefined;
    node.child = undefined;
  }
  return made;
}

/** The parts of an OK answer's cache key, in order. */
function forEachKeyPart(
  response: AuthzResponse & { kind: 'allow' },
  summary: DecisionSummary | undefined,
  visit: (part: KeyPart) => void,
): void {
  for (const [n, v] of response.headers) {
    visit(n);
    visit(v);
  }
  visit(SECTION);
  for (const n of response.headersToRemove) visit(n);
  visit(SECTION);
  for (const n of response.queryToRemove) visit(n);
  if (summary) {
    visit(SECTION);
    visit(summary.outcome);
    visit(summary.reason);
    visit(summary.routeId);
    visit(summary.routeName);
  }
}

/**
 * Encodes responses, reusing the serialized bytes of an OK answer seen before: the same set of
 * headers (the cached assertion included), removals and query removals give the same bytes, so
 * the hot path skips building and encoding the protobuf (the decision summary is part of the
 * key). Denials (they carry the request id) are never cached. Bounded by entries and by bytes:
 * an answer can carry what the client sent (the Cookie header without our cookie), so a client
 * sending a new long cookie with every request must not fill memory with answers nobody reuses.
 */
export function createResponseEncoder(
  serialize: (wire: CheckResponseWire) => Buffer,
  maxEntries = 10_000,
  maxBytes = 32 * 2 ** 20,
): (response: AuthzResponse, summary?: DecisionSummary) => EncodedCheckResponse {
  // The key is walked part by part through nested maps instead of being concatenated into one
  // string per Check: the parts are strings the caches already hold (header names, the cached
  // assertion and identity headers, route ids), so a hit allocates nothing
  // (docs/performance.md "Tails").
  let root = keyNode();
  let size = 0;
  /**
   * What the entries hold, about: their bytes and a byte per key character (V8 keeps header
   * text one byte a character; key parts the other caches hold, like the assertion, are counted
   * although they cost nothing more here). A typical answer of a signed-in user is ~1 KB with a
   * ~900-character key, so the 10,000 entries fit in about 19 MB.
   */
  let held = 0;
  let chars = 0;
  // The lookup's position (undefined once a part is missing) and the insertion's.
  let node: KeyNode | undefined;
  let at = root;
  const step = (part: KeyPart): void => {
    if (typeof part === 'string') chars += part.length + 1;
    if (node !== undefined) node = below(node, part);
  };
  const put = (part: KeyPart): void => {
    at = belowOrNew(at, part);
  };
  return (response, summary) => {
    if (response.kind !== 'allow') return writeCheckResponse(response, summary);
    node = root;
    chars = 0;
    forEachKeyPart(response, summary, step);
    const hit = node?.bytes;
    if (hit !== undefined) return hit;
    if (chars > MAX_KEY) return writeCheckResponse(response, summary);
    const bytes = serialize(writeCheckResponse(response, summary));
    const weight = bytes.length + chars;
    if (size >= maxEntries || held + weight > maxBytes) {
      root = keyNode();
      size = 0;
      held = 0;
    }
    held += weight;
    at = root;
    forEachKeyPart(response, summary, put);
    at.bytes = bytes;
    size++;
    return bytes;
  };
}

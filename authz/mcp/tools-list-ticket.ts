// The ticket authz hands to the tools/list filter (docs/mcp.md "tools/list shows only the tools
// you may call"): an allowed `tools/list` on an MCP server route leaves authz with a request
// header carrying what the route policy judged (the request and the identity), sealed with
// AES-256-GCM (wire/crypto/seal-payload.ts) under a key derived from shared_secret. Envoy's
// ext_proc filter hands it back with the upstream's answer (authz/mcp/ext-proc-service.ts),
// which judges every listed tool as a `tools/call` of the same request by the same user. Nothing
// is kept in memory between the two, so any authz process can filter any answer, and a client
// can neither forge nor read a ticket (the filter removes it before the upstream).
import { hkdfSync } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { decodeSecret, openPayload, sealPayload } from '../../wire/index.js';
import type { PolicyIdentity, PolicyRequest } from '../policy/types.js';

export const TOOLS_LIST_TICKET_HEADER = 'x-portcullis-mcp-tools-list';
const PURPOSE = 'portcullis mcp tools/list ticket v1';
/** openPayload's bound on a sealed payload: a larger ticket cannot be minted (fail closed). */
export const MAX_TICKET_CHARS = 16_384;
/** A ticket outlives the upstream's answer by far; an older one is refused (fail closed). */
export const TICKET_TTL_MS = 10 * 60_000;
/** Headers the policy never needs and that must not ride along: credentials. */
const DROPPED_HEADERS = new Set([
  'cookie',
  'authorization',
  'x-pomerium-authorization',
  TOOLS_LIST_TICKET_HEADER,
]);

export interface ToolsListTicket {
  readonly routeId: string;
  readonly request: PolicyRequest;
  readonly identity: PolicyIdentity | null;
  /** When authz judged the tools/list (the clock of the per-tool decisions), epoch ms. */
  readonly judgedAt: number;
}

let cached: { secret: string; key: Uint8Array } | null = null;
function keyOf(sharedSecret: string): Uint8Array {
  if (cached?.secret !== sharedSecret) {
    const key = new Uint8Array(
      hkdfSync(
        'sha256',
        decodeSecret(sharedSecret, 'shared_secret'),
        'portcullis mcp v1',
        'tools-list-ticket',
        32,
      ),
    );
    cached = { secret: sharedSecret, key };
  }
  return cached.key;
}

export function sealToolsListTicket(sharedSecret: string, ticket: ToolsListTicket): string {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(ticket.request.headers)) {
    if (!DROPPED_HEADERS.has(k)) headers[k] = v;
  }
  const body = { ...ticket, request: { ...ticket.request, headers } };
  // deflated: request headers and claims compress well, and a sealed payload is bounded
  const packed = deflateRawSync(Buffer.from(JSON.stringify(body))).toString('base64');
  return sealPayload(keyOf(sharedSecret), packed, PURPOSE);
}

/** The ticket, or a reason it is refused (tampered, sealed with another secret, expired). */
export function openToolsListTicket(
  sharedSecret: string,
  sealed: string,
  now: number,
): ToolsListTicket | string {
  let ticket: ToolsListTicket;
  try {
    const packed = openPayload(keyOf(sharedSecret), sealed, PURPOSE);
    const json = inflateRawSync(Buffer.from(packed, 'base64'), { maxOutputLength: 1 << 20 });
    ticket = JSON.parse(json.toString('utf8')) as ToolsListTicket;
  } catch {
    return 'the tools/list ticket does not authenticate';
  }
  if (typeof ticket.judgedAt !== 'number' || now - ticket.judgedAt > TICKET_TTL_MS) {
    return 'the tools/list ticket has expired';
  }
  return ticket;
}

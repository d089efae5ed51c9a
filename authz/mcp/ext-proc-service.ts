// Envoy's external processor (envoy.service.ext_proc.v3) for MCP server routes: filters the
// upstream's answer to a `tools/list` down to the tools the caller may call (docs/mcp.md "tools/list
// shows only the tools you may call"). Envoy runs the ext_proc filter after ext_authz on MCP
// server routes only (envoy/build/build-ext-proc-filter.ts). Per request:
//   request headers  → take and remove the ticket authz set (authz/mcp/tools-list-ticket.ts); no
//                      ticket (not a tools/list): skip the answer (mode override), nothing buffered;
//   response headers → note status and content type, drop content-length (the body changes);
//   response body    → (buffered whole by Envoy) judge every listed tool with the route policy as
//                      a `tools/call` of the same request, and replace the body.
// Anything unexpected (a ticket that does not open, a route gone, an answer that is not JSON or
// SSE) ends in a JSON-RPC error instead of the upstream's list: fail closed.
import type * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { filterToolsListBody, jsonRpcDenial } from '../../mcp/index.js';
import { loadGrpcObject, serviceProtoFiles } from '../../protos/index.js';
import type { AuthzState } from '../lib/authz-state.js';
import {
  openToolsListTicket,
  TOOLS_LIST_TICKET_HEADER,
  type ToolsListTicket,
} from './tools-list-ticket.js';

export const EXT_PROC_SERVICE = 'envoy.service.ext_proc.v3.ExternalProcessor';

/** JSON-RPC server error code of an answer Portcullis could not filter. */
export const UNFILTERABLE = -32002;

let definition: grpc.ServiceDefinition | null = null;

/** The ExternalProcessor service definition (loaded once). */
export function extProcServiceDefinition(): grpc.ServiceDefinition {
  if (definition === null) {
    const root = loadGrpcObject([serviceProtoFiles.extProc]) as unknown as {
      envoy: {
        service: { ext_proc: { v3: { ExternalProcessor: { service: grpc.ServiceDefinition } } } };
      };
    };
    definition = root.envoy.service.ext_proc.v3.ExternalProcessor.service;
  }
  return definition;
}

interface WireHeader {
  readonly key: string;
  readonly value?: string;
  readonly raw_value?: Buffer;
}
interface WireHeaders {
  readonly headers?: { readonly headers?: readonly WireHeader[] };
}
interface ProcessingRequest {
  readonly request?: string;
  readonly request_headers?: WireHeaders;
  readonly response_headers?: WireHeaders;
  readonly response_body?: { readonly body?: Buffer; readonly end_of_stream?: boolean };
}

function headerOf(h: WireHeaders | undefined, name: string): string | undefined {
  for (const e of h?.headers?.headers ?? []) {
    if (e.key.toLowerCase() === name) {
      return e.raw_value !== undefined && e.raw_value.length > 0
        ? e.raw_value.toString('utf8')
        : (e.value ?? '');
    }
  }
  return undefined;
}

const SKIP_ANSWER = { response_header_mode: 'SKIP', response_body_mode: 'NONE' };

function immediate(status: number, message: string, requestId: string): unknown {
  return {
    immediate_response: {
      status: { code: status },
      headers: {
        set_headers: [
          { header: { key: 'content-type', raw_value: Buffer.from('application/json') } },
          { header: { key: 'cache-control', raw_value: Buffer.from('no-store') } },
        ],
      },
      body: Buffer.from(jsonRpcDenial(message, { requestId }, UNFILTERABLE)),
      details: 'mcp_tools_list_unfilterable',
    },
  };
}

export interface ExtProcOptions {
  /** The state in force: the route policy of a ticket is read from it. */
  readonly state: () => AuthzState;
  readonly now: () => number;
  readonly logger: Logger;
}

/** The `Process` handler (a bidirectional stream per HTTP request). */
export function createExtProcHandler(
  options: ExtProcOptions,
): grpc.handleBidiStreamingCall<ProcessingRequest, unknown> {
  const { logger } = options;
  return (call) => {
    let ticket: ToolsListTicket | null = null;
    let requestId = '';
    let status = 0;
    let contentType = '';
    const send = (msg: unknown): void => {
      if (!call.writableEnded) call.write(msg);
    };
    const refuse = (why: string): void => {
      logger.warn({ request_id: requestId, reason: why }, 'mcp tools/list answer refused');
      send(immediate(502, `tools/list could not be filtered: ${why}`, requestId));
    };
    call.on('data', (req: ProcessingRequest) => {
      try {
        if (req.request_headers !== undefined) {
          requestId = headerOf(req.request_headers, 'x-request-id') ?? '';
          const sealed = headerOf(req.request_headers, TOOLS_LIST_TICKET_HEADER);
          const removeTicket = {
            response: { header_mutation: { remove_headers: [TOOLS_LIST_TICKET_HEADER] } },
          };
          if (sealed === undefined) {
            send({ request_headers: removeTicket, mode_override: SKIP_ANSWER });
            return;
          }
          const st = options.state();
          const opened = openToolsListTicket(st.config.shared_secret ?? '', sealed, options.now());
          if (typeof opened === 'string') {
            logger.warn({ request_id: requestId, reason: opened }, 'mcp tools/list ticket refused');
            send(immediate(403, opened, requestId));
            return;
          }
          ticket = opened;
          send({ request_headers: removeTicket });
          return;
        }
        if (req.response_headers !== undefined) {
          status = Number(headerOf(req.response_headers, ':status') ?? 0);
          contentType = headerOf(req.response_headers, 'content-type') ?? '';
          send({
            response_headers: {
              response: { header_mutation: { remove_headers: ['content-length'] } },
            },
          });
          return;
        }
        if (req.response_body !== undefined) {
          const answer = answerBody(req.response_body.body ?? Buffer.alloc(0));
          if (answer !== undefined) send(answer);
          return;
        }
        // trailers or anything else this filter never asks for: continue unchanged
        if (req.request === 'request_body') send({ request_body: { response: {} } });
        else if (req.request === 'request_trailers') send({ request_trailers: {} });
        else if (req.request === 'response_trailers') send({ response_trailers: {} });
      } catch (err) {
        logger.error({ err, request_id: requestId }, 'mcp ext_proc failed');
        refuse('internal error');
      }
    });
    call.on('end', () => call.end());
    call.on('error', () => undefined);

    function answerBody(body: Buffer): unknown {
      const unchanged = { response_body: { response: {} } };
      if (ticket === null) return unchanged;
      // an error page or an empty 202 lists nothing: pass it through
      if (status < 200 || status > 299 || body.length === 0) return unchanged;
      const route = options.state().routes.get(ticket.routeId);
      if (route === undefined || route.mcpServer === null) {
        refuse('the route is no longer an MCP server route');
        return undefined;
      }
      const t = ticket;
      const verdicts = new Map<string, boolean>();
      const allowed = (tool: string): boolean => {
        let ok = verdicts.get(tool);
        if (ok === undefined) {
          const request = { ...t.request, mcp: { method: 'tools/call', tool } };
          ok = route.policy.evaluate(request, t.identity, { now: t.judgedAt }).outcome === 'allow';
          verdicts.set(tool, ok);
        }
        return ok;
      };
      const filtered = filterToolsListBody(contentType, body.toString('utf8'), allowed);
      if (filtered.kind === 'unfilterable') {
        refuse(filtered.reason);
        return undefined;
      }
      return {
        response_body: { response: { body_mutation: { body: Buffer.from(filtered.body) } } },
      };
    }
  };
}

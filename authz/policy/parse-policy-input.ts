// The JSON input of `portcullis policy eval|test` (docs/architecture.md "Contracts") turned into the
// engine's PolicyRequest / PolicyIdentity / clock: validated with zod (it crosses a trust
// boundary), header names lower-cased, claims flattened to lists, the URL split like authz does.
import * as z from 'zod';
import { canonicalEmail } from '../../wire/index.js';
import type { PolicyIdentity, PolicyRequest } from './types.js';

const headerValue = z.union([z.string(), z.array(z.string())]);

const inputSchema = z.strictObject({
  request: z.strictObject({
    method: z.string().min(1).max(64).default('GET'),
    url: z.string().min(1).max(16_384),
    headers: z.record(z.string().min(1).max(256), headerValue).default({}),
    sourceIp: z.string().max(64).default(''),
    clientCertificate: z
      .strictObject({
        presented: z.boolean(),
        valid: z.boolean().default(false),
        leafPem: z.string().max(65_536).optional(),
      })
      .optional(),
    // the JSON-RPC call of an MCP server route (docs/mcp.md), for mcp_tool
    // (method defaults to tools/call when a tool is given; a tool only on tools/call, as authz reads it)
    mcp: z
      .strictObject({
        method: z.string().max(256).optional(),
        tool: z.string().min(1).max(1024).nullable().default(null),
      })
      .refine((m) => m.method !== undefined || m.tool !== null, {
        message: 'give the JSON-RPC method, or the tool of a tools/call',
      })
      .refine((m) => m.tool === null || (m.method ?? 'tools/call') === 'tools/call', {
        message: 'a tool is only read from a tools/call',
        path: ['tool'],
      })
      .optional(),
  }),
  identity: z
    .strictObject({
      sessionId: z.string().default(''),
      userId: z.string().default(''),
      email: z.string().default(''),
      groups: z.array(z.string()).default([]),
      claims: z.record(z.string(), z.unknown()).default({}),
    })
    .nullable()
    .optional(),
  now: z.union([z.iso.datetime({ offset: true }), z.number().int().nonnegative()]).optional(),
});

export interface PolicyInput {
  readonly request: PolicyRequest;
  readonly identity: PolicyIdentity | null;
  /** Epoch ms; undefined when the input gave no `now`. */
  readonly now: number | undefined;
}

/** One problem with an input document: where, and what. */
export interface PolicyInputProblem {
  readonly path: string;
  readonly message: string;
}

/** Flattens claims like authz does: nested objects become dotted keys, every value a list. */
export function flattenClaims(
  claims: Record<string, unknown>,
  prefix = '',
  out: Record<string, unknown[]> = Object.create(null),
): Record<string, unknown[]> {
  for (const [k, v] of Object.entries(claims)) {
    const key = prefix === '' ? k : `${prefix}.${k}`;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      flattenClaims(v as Record<string, unknown>, key, out);
    } else {
      const list = out[key] ?? [];
      list.push(...(Array.isArray(v) ? v : [v]));
      out[key] = list;
    }
  }
  return out;
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Builds a PolicyRequest from a URL and the other request fields. */
export function requestFromUrl(
  input: z.infer<typeof inputSchema>['request'],
): PolicyRequest | string {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    return 'request.url is not an absolute URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return 'request.url must be an http or https URL';
  }
  const headers: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(input.headers)) {
    headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  }
  const rawQuery = url.search.replace(/^\?/, '');
  return {
    method: input.method,
    host: url.host,
    hostname: url.hostname.toLowerCase(),
    path: safeDecode(url.pathname),
    rawPath: url.pathname,
    rawQuery,
    url: `https://${url.host}${url.pathname}${url.search}`,
    headers,
    sourceIp: input.sourceIp,
    clientCertificate: input.clientCertificate ?? { presented: false, valid: false },
    ...(input.mcp
      ? { mcp: { method: input.mcp.method ?? 'tools/call', tool: input.mcp.tool } }
      : {}),
  };
}

/** Validates and converts one input document; problems when it does not have the shape. */
export function parsePolicyInput(json: unknown): PolicyInput | { problems: PolicyInputProblem[] } {
  const parsed = inputSchema.safeParse(json);
  if (!parsed.success) {
    return {
      problems: parsed.error.issues.map((i) => ({
        path: i.path.map(String).join('.'),
        message: i.message,
      })),
    };
  }
  const request = requestFromUrl(parsed.data.request);
  if (typeof request === 'string') return { problems: [{ path: 'request.url', message: request }] };
  const id = parsed.data.identity;
  const now = parsed.data.now;
  return {
    request,
    identity:
      id === null || id === undefined
        ? null
        : {
            ...id,
            // the email as authz sees it: canonical or none (wire/identity-strings.ts)
            email: canonicalEmail(id.email),
            claims: flattenClaims(id.claims as Record<string, unknown>),
          },
    now: now === undefined ? undefined : typeof now === 'number' ? now : Date.parse(now),
  };
}

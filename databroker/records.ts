// Typed record kinds (session, user, group): one zod schema each, checked on every write and on
// every read back, so nothing unvalidated crosses the databroker boundary.
//
// Time convention: EVERY timestamp in the databroker (record fields and record metadata) is an
// integer number of milliseconds since the Unix epoch (UTC), like `Date.now()`. 0 / absent = unset.
import { z } from 'zod';
import {
  type AcmeAccount,
  type AcmeCertificate,
  type AcmeChallenge,
  acmeAccountSchema,
  acmeCertificateSchema,
  acmeChallengeSchema,
} from './acme-records.js';

const epochMs = z.number().int().nonnegative();

/** OAuth 2.0 token set from the IdP (docs/pomerium-behaviour.md §6.4). Encrypted at rest by the Postgres backend. */
export const oauthTokenSchema = z.object({
  access_token: z.string(),
  token_type: z.string(),
  refresh_token: z.string(),
  /** Epoch ms; 0 = unknown. */
  expires_at: epochMs,
});
export type OAuthToken = z.infer<typeof oauthTokenSchema>;

/** The verified ID token (docs/pomerium-behaviour.md §6.4). `raw` is encrypted at rest by the Postgres backend. */
export const idTokenSchema = z.object({
  issuer: z.string(),
  subject: z.string(),
  issued_at: epochMs,
  expires_at: epochMs,
  raw: z.string(),
});
export type IdToken = z.infer<typeof idTokenSchema>;

/** Flattened claims: every claim is a list of JSON values (docs/pomerium-behaviour.md §6.4 map<string, ListValue>). */
export const claimsSchema = z.record(z.string(), z.array(z.unknown()));
export type Claims = z.infer<typeof claimsSchema>;

/** A login session (docs/pomerium-behaviour.md §6.4), plus the IdP groups Portcullis reads into it. */
export const sessionSchema = z.object({
  id: z.string().min(1),
  user_id: z.string(),
  idp_id: z.string(),
  /** Epoch ms. */
  issued_at: epochMs,
  /** Epoch ms; the session is invalid after it. Also used as the record's TTL when none is given. */
  expires_at: epochMs,
  /** Epoch ms. */
  accessed_at: epochMs,
  oauth_token: oauthTokenSchema.nullable(),
  id_token: idTokenSchema.nullable(),
  claims: claimsSchema,
  audience: z.array(z.string()),
  /** The IdP's groups claim (claim name configurable in authn), kept as read. */
  groups: z.array(z.string()),
  refresh_disabled: z.boolean().optional(),
});
export type Session = z.infer<typeof sessionSchema>;

/** A user as the IdP described them (docs/pomerium-behaviour.md §6.3 user.User). */
export const userSchema = z.object({
  id: z.string().min(1),
  email: z.string(),
  name: z.string(),
  claims: claimsSchema,
});
export type User = z.infer<typeof userSchema>;

/** A group record (directory-style); `member_ids` are user ids. */
export const groupSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  email: z.string().optional(),
  member_ids: z.array(z.string()),
});
export type Group = z.infer<typeof groupSchema>;

/** An OAuth client of the MCP authorization server (docs/mcp.md): registered by RFC 7591. */
export const mcpClientSchema = z.object({
  id: z.string().min(1),
  client_name: z.string(),
  redirect_uris: z.array(z.string()),
  /** Epoch ms. */
  created_at: epochMs,
});
export type McpClient = z.infer<typeof mcpClientSchema>;

/** An MCP authorization code (docs/mcp.md), stored under the SHA-256 of the code. */
export const mcpCodeSchema = z.object({
  id: z.string().min(1),
  client_id: z.string(),
  redirect_uri: z.string(),
  code_challenge: z.string(),
  resource: z.string(),
  session_id: z.string(),
  user_id: z.string(),
  idp_id: z.string(),
  /** Epoch ms. */
  expires_at: epochMs,
  /** The grant the code was redeemed for; '' until then (a second redemption revokes it). */
  grant_id: z.string(),
});
export type McpCode = z.infer<typeof mcpCodeSchema>;

/** An MCP grant (docs/mcp.md): one refresh token family, bound to a session and a resource. */
export const mcpGrantSchema = z.object({
  id: z.string().min(1),
  client_id: z.string(),
  resource: z.string(),
  session_id: z.string(),
  user_id: z.string(),
  idp_id: z.string(),
  /** SHA-256 of the one refresh token of the family that is still valid. */
  refresh_hash: z.string(),
  /** Epoch ms. */
  issued_at: epochMs,
  /** Epoch ms (the session's end). */
  expires_at: epochMs,
});
export type McpGrant = z.infer<typeof mcpGrantSchema>;

/**
 * An MCP upstream's OAuth token of one user for one route (docs/mcp.md "upstream_oauth2"): the
 * token set is sealed by authz (AES-256-GCM, bound to route and user) before it is written, so
 * `sealed` is all the databroker ever holds of it. id = `${route_id}|${user_id}`.
 */
export const mcpUpstreamTokenSchema = z.object({
  id: z.string().min(1),
  route_id: z.string().min(1),
  user_id: z.string().min(1),
  sealed: z.string().min(1),
  /** Epoch ms the access token expires; 0 = unknown. */
  expires_at: epochMs,
  refresh_available: z.boolean(),
});
export type McpUpstreamToken = z.infer<typeof mcpUpstreamTokenSchema>;

/** Every record kind the databroker stores, by its `type` string. */
export const recordSchemas = {
  session: sessionSchema,
  user: userSchema,
  group: groupSchema,
  mcp_client: mcpClientSchema,
  mcp_code: mcpCodeSchema,
  mcp_grant: mcpGrantSchema,
  mcp_upstream_token: mcpUpstreamTokenSchema,
  acme_account: acmeAccountSchema,
  acme_certificate: acmeCertificateSchema,
  acme_challenge: acmeChallengeSchema,
} as const;

/** Map from record type to its data shape. */
export interface RecordKinds {
  session: Session;
  user: User;
  group: Group;
  mcp_client: McpClient;
  mcp_code: McpCode;
  mcp_grant: McpGrant;
  mcp_upstream_token: McpUpstreamToken;
  acme_account: AcmeAccount;
  acme_certificate: AcmeCertificate;
  acme_challenge: AcmeChallenge;
}
export type RecordType = keyof RecordKinds;

export const RECORD_TYPES: readonly RecordType[] = [
  'session',
  'user',
  'group',
  'mcp_client',
  'mcp_code',
  'mcp_grant',
  'mcp_upstream_token',
  'acme_account',
  'acme_certificate',
  'acme_challenge',
];

export function isRecordType(type: string): type is RecordType {
  return Object.hasOwn(recordSchemas, type);
}

/** A stored record (current value or one entry of the change log). All times are epoch ms. */
export interface StoredRecord<T extends RecordType = RecordType> {
  readonly type: T;
  readonly id: string;
  /** Assigned by the store from one global, strictly increasing sequence (across all types). */
  readonly version: number;
  /**
   * The validated data; `null` for a tombstone (a change with `deleted_at` set) and, in the
   * feed only, for a change whose stored data could not be read back: treat both as deleted.
   */
  readonly data: RecordKinds[T] | null;
  /** Store time of the write (epoch ms). */
  readonly modified_at: number;
  /** Set (epoch ms) on a tombstone in the change feed; current records never have it. */
  readonly deleted_at: number | null;
  /** TTL: the record disappears from reads at this time (epoch ms), null = never. */
  readonly expires_at: number | null;
}

/** One change of the feed: a write (data set) or a delete (tombstone, data null). */
export type RecordChange = StoredRecord;

/** A write in a `put` batch. */
export interface RecordInput<T extends RecordType = RecordType> {
  readonly type: T;
  readonly id: string;
  readonly data: RecordKinds[T];
  /** TTL (epoch ms). Default for sessions: `data.expires_at` when non-zero; else never. */
  readonly expires_at?: number | null;
  /**
   * Optimistic concurrency: the version the writer read. `0` = the record must not exist.
   * A mismatch fails the whole batch with RECORD_CONFLICT. Omit for last-writer-wins.
   */
  readonly expected_version?: number;
}

// The reason catalogue (docs/pomerium-behaviour.md §1.6, plus our date/time reasons) as bit positions, so a result's
// reason set is a 32-bit mask: merging is `|`, and the sorted list is read off in bit order.
// Reasons past the first 32 live in a second 32-bit word that travels beside the first
// (compile-block.ts) and is 0 unless a policy uses their criteria.

import { createBoundedCache } from '../../lib/bounded-cache.js';

/** Every reason a criterion can produce: the first 32 sorted (bit i), then the second word's. */
export const REASONS = [
  'accept',
  'claim-ok',
  'claim-unauthorized',
  'client-certificate-ok',
  'client-certificate-required',
  'client-certificate-unauthorized',
  'cors-request',
  'date-ok',
  'date-unauthorized',
  'day-of-week-ok',
  'day-of-week-unauthorized',
  'domain-ok',
  'domain-unauthorized',
  'email-ok',
  'email-unauthorized',
  'groups-ok',
  'groups-unauthorized',
  'http-method-ok',
  'http-method-unauthorized',
  'http-path-ok',
  'http-path-unauthorized',
  'invalid-client-certificate',
  'non-cors-request',
  'reject',
  'source-ip-ok',
  'source-ip-unauthorized',
  'time-of-day-ok',
  'time-of-day-unauthorized',
  'user-ok',
  'user-unauthenticated',
  'user-unauthorized',
  'valid-client-certificate',
  // the second word (bits 32…): reasons added once the first was full, sorted among the others
  // when listed (reasonList); only mcp_tool's so far (docs/mcp.md)
  'mcp-not-a-tool-call',
  'mcp-tool-match',
  'mcp-tool-no-match',
] as const;

export type Reason = (typeof REASONS)[number];

/** Reasons a criterion gives when it is true (all others come with false). */
const TRUE_REASONS: ReadonlySet<string> = new Set([
  'accept',
  'claim-ok',
  'client-certificate-ok',
  'client-certificate-required',
  'cors-request',
  'date-ok',
  'day-of-week-ok',
  'domain-ok',
  'email-ok',
  'groups-ok',
  'http-method-ok',
  'http-path-ok',
  'invalid-client-certificate',
  'source-ip-ok',
  'time-of-day-ok',
  'user-ok',
  'mcp-tool-match',
]);

/** `IS_TRUE[i]` is 1 when reason i means the criterion held. */
export const IS_TRUE: Uint8Array = Uint8Array.from(REASONS, (r) => (TRUE_REASONS.has(r) ? 1 : 0));

/** `BIT[i]` is the mask bit of reason i in the first word (0 for reasons of the second). */
export const BIT: Int32Array = Int32Array.from(REASONS, (_, i) => (i < 32 ? 1 << i : 0));

/** `BIT_HI[i]` is the mask bit of reason i in the second word (0 for reasons of the first). */
export const BIT_HI: Int32Array = Int32Array.from(REASONS, (_, i) => (i < 32 ? 0 : 1 << (i - 32)));

const INDEX = new Map<string, number>(REASONS.map((r, i) => [r, i]));

/** The bit index of a reason (compile time only). */
export function reasonIndex(reason: Reason): number {
  return INDEX.get(reason)!;
}

/** The mask bit of a reason of the first word. */
export function reasonBit(reason: Reason): number {
  const i = reasonIndex(reason);
  if (i >= 32) throw new Error(`reason ${reason} is in the second mask word`);
  return 1 << i;
}

/** Reason lists by mask (masks repeat); shown on /metrics as `reason_list`. */
export const reasonListCache = createBoundedCache<readonly string[], number>('reason_list', 4096);
const EMPTY: readonly string[] = Object.freeze([]);

/** The sorted reason list of a mask (frozen and shared: masks repeat, lists are not rebuilt). */
export function reasonList(mask: number): readonly string[] {
  if (mask === 0) return EMPTY;
  const hit = reasonListCache.get(mask);
  if (hit !== undefined) return hit;
  const out: string[] = [];
  for (let i = 0; i < 32; i++) if ((mask & (1 << i)) !== 0) out.push(REASONS[i]!);
  const list = Object.freeze(out);
  reasonListCache.set(mask, list);
  return list;
}

/** The sorted reason list of both words (the second word is 0 on nearly every decision). */
export function reasonList2(mask: number, hi: number): readonly string[] {
  if (hi === 0) return reasonList(mask);
  const out = [...reasonList(mask)];
  for (let i = 32; i < REASONS.length; i++) if ((hi & (1 << (i - 32))) !== 0) out.push(REASONS[i]!);
  return Object.freeze(out.sort());
}

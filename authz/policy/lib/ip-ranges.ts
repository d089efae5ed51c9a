// CIDR matching for source_ip without allocation per request (node:net's BlockList.check builds a
// native SocketAddress on every call, which cost more than the rest of a 20-criterion decision).
// As in Go's net.IPNet: IPv4 clients (also written IPv4-mapped, ::ffff:a.b.c.d) match IPv4
// ranges only, IPv6 clients IPv6 ranges only. Addresses are validated with node:net first.
import { isIPv4, isIPv6 } from 'node:net';

/** An address as four 32-bit words (IPv4: one word, family 4). */
export interface IpAddress {
  readonly family: 4 | 6;
  readonly words: Uint32Array;
}

export interface IpRange {
  readonly family: 4 | 6;
  readonly base: Uint32Array;
  readonly mask: Uint32Array;
}

function v4Word(s: string): number {
  const p = s.split('.');
  return ((+p[0]! << 24) | (+p[1]! << 16) | (+p[2]! << 8) | +p[3]!) >>> 0;
}

function v6Words(s: string): Uint32Array | number {
  let text = s;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const w = v4Word(text.slice(lastColon + 1));
    tail = [w >>> 16, w & 0xffff];
    text = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [head = '', rest] = text.split('::');
  const h = head === '' ? [] : head.split(':');
  const r = rest === undefined ? [] : rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? 0 : 8 - h.length - r.length;
  const groups = [...h, ...Array<string>(fill).fill('0'), ...r].map((g) => Number.parseInt(g, 16));
  if (tail.length === 2) {
    groups[6] = tail[0]!;
    groups[7] = tail[1]!;
  }
  // IPv4-mapped: ::ffff:a.b.c.d is an IPv4 client
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return ((groups[6]! << 16) | groups[7]!) >>> 0;
  }
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i++) words[i] = ((groups[2 * i]! << 16) | groups[2 * i + 1]!) >>> 0;
  return words;
}

/** Parses an address; undefined when it is not one. */
export function parseIp(s: string): IpAddress | undefined {
  if (isIPv4(s)) return { family: 4, words: Uint32Array.of(v4Word(s)) };
  const bare = s.includes('%') ? s.slice(0, s.indexOf('%')) : s;
  if (!isIPv6(bare)) return undefined;
  const w = v6Words(bare);
  return typeof w === 'number' ? { family: 4, words: Uint32Array.of(w) } : { family: 6, words: w };
}

/** A range from an address and a prefix length (already validated). */
export function ipRange(addr: IpAddress, bits: number): IpRange {
  const n = addr.words.length;
  const mask = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const b = Math.max(0, Math.min(32, bits - 32 * i));
    mask[i] = b === 0 ? 0 : (0xffffffff << (32 - b)) >>> 0;
  }
  const base = addr.words.map((w, i) => (w & mask[i]!) >>> 0);
  return { family: addr.family, base, mask };
}

export function inRange(r: IpRange, a: IpAddress): boolean {
  if (r.family !== a.family) return false;
  for (let i = 0; i < r.base.length; i++) {
    if ((a.words[i]! & r.mask[i]!) >>> 0 !== r.base[i]) return false;
  }
  return true;
}

let lastText = '';
let lastAddr: IpAddress | undefined;

/** parseIp with a one-entry cache: the criteria of one request ask for the same address. */
export function parseClientIp(s: string): IpAddress | undefined {
  if (s !== lastText) {
    lastAddr = s === '' ? undefined : parseIp(s);
    lastText = s;
  }
  return lastAddr;
}

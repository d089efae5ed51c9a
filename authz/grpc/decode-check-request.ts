// Decode less: envoy.service.auth.v3.CheckRequest bytes → only the fields read-check-request.ts
// reads (CheckRequestWire), skipping everything else on the wire (destination, tls_session,
// metadata contexts, scheme, protocol, size, labels, …) without building it. The lean transport
// (lean-check.ts) uses it instead of the full proto-loader decoder; the two give the same
// AuthzRequest for a corpus of CheckRequests (test/unit/authz/decode-check-request.test.ts).
// Protobuf semantics as the full decoder (protobufjs) has them: the last value of a scalar wins,
// so does the last occurrence of a message field (protobufjs replaces rather than merges), map entries default their missing key or value to '' and the last entry of a key wins,
// unknown fields of every wire type (groups included) are skipped. Stricter than protobufjs on
// malformed bytes: a length past the end or a known field with the wrong wire type throws (the
// transport answers INTERNAL, as for any undecodable request) where protobufjs may read garbage.
import type { CheckRequestWire } from './read-check-request.js';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
type Attributes = Mutable<NonNullable<CheckRequestWire['attributes']>>;
type Peer = Mutable<NonNullable<Attributes['source']>>;
type Http = Mutable<
  NonNullable<NonNullable<NonNullable<CheckRequestWire['attributes']>['request']>['http']>
>;
type HeaderValue = { key?: string; value?: string; raw_value?: Uint8Array };

/**
 * A cursor over the request bytes. A nested message is read in place: enter() narrows `end` to
 * it and leave() widens it back, so decoding allocates the values it keeps and nothing else (no
 * reader, bounds array or callback per field: docs/performance.md "Tails").
 */
class Reader {
  pos: number;
  end: number;
  readonly buf: Buffer;
  constructor(buf: Buffer, start: number, end: number) {
    this.buf = buf;
    this.pos = start;
    this.end = end;
  }
  varint(): number {
    // Up to 32 bits are kept (lengths, tags); longer varints are read to their end.
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new RangeError('CheckRequest: varint past the end');
      const b = this.buf[this.pos++]!;
      if (shift < 32) result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift >= 70) throw new RangeError('CheckRequest: varint too long');
    }
    return result > 0xffffffff ? result % 2 ** 32 : result;
  }
  /** Reads a length and returns where that length-delimited field stops (pos is its start). */
  private stop(): number {
    const len = this.varint();
    const stop = this.pos + len;
    if (stop > this.end) throw new RangeError('CheckRequest: length past the end');
    return stop;
  }
  /** Narrows the reader to the message that starts here; returns the end to leave() with. */
  enter(): number {
    const outer = this.end;
    this.end = this.stop();
    return outer;
  }
  /** Back to the enclosing message (pos is the end of the inner one). */
  leave(outer: number): void {
    this.end = outer;
  }
  string(): string {
    const stop = this.stop();
    const s = this.buf.toString('utf8', this.pos, stop);
    this.pos = stop;
    return s;
  }
  bytes(): Buffer {
    const stop = this.stop();
    const b = this.buf.subarray(this.pos, stop);
    this.pos = stop;
    return b;
  }
  /** The next tag: field number × 8 + wire type (field 0 refused). */
  tag(): number {
    const tag = this.varint();
    if (tag >>> 3 === 0) throw new RangeError('CheckRequest: field number 0');
    return tag;
  }
  skip(wireType: number, field: number): void {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.advance(8);
        return;
      case 2:
        this.pos = this.stop();
        return;
      case 5:
        this.advance(4);
        return;
      case 3:
        for (;;) {
          const tag = this.varint();
          const wt = tag & 7;
          if (wt === 4) {
            if (tag >>> 3 !== field) throw new RangeError('CheckRequest: unmatched end group');
            return;
          }
          this.skip(wt, tag >>> 3);
        }
      default:
        throw new RangeError(`CheckRequest: invalid wire type ${wireType}`);
    }
  }
  private advance(n: number): void {
    if (this.pos + n > this.end) throw new RangeError('CheckRequest: field past the end');
    this.pos += n;
  }
}

const LEN = 2;

function expect(wireType: number, want: number): void {
  if (wireType !== want)
    throw new RangeError('CheckRequest: a known field has the wrong wire type');
}

/** Runs `each(field, wireType)` over the fields of the message that starts at the reader. */
function fields(r: Reader, each: (field: number, wireType: number) => boolean): void {
  const outer = r.enter();
  while (r.pos < r.end) {
    const tag = r.tag();
    if (!each(tag >>> 3, tag & 7)) r.skip(tag & 7, tag >>> 3);
  }
  r.leave(outer);
}

/** A map<string, string> entry (headers, context_extensions): read in a loop of its own. */
function mapEntry(r: Reader, into: Record<string, string>): void {
  let key = '';
  let value = '';
  const outer = r.enter();
  while (r.pos < r.end) {
    const tag = r.tag();
    const f = tag >>> 3;
    if (f === 1 || f === 2) {
      expect(tag & 7, LEN);
      if (f === 1) key = r.string();
      else value = r.string();
    } else r.skip(tag & 7, f);
  }
  r.leave(outer);
  into[key] = value;
}

function peer(r: Reader, into: Peer): void {
  fields(r, (f, wt) => {
    if (f === 5) {
      expect(wt, LEN);
      into.certificate = r.string();
    } else if (f === 1) {
      expect(wt, LEN);
      // Address { socket_address = 1 { address = 2 } }
      const address: { socket_address?: { address?: string } } = {};
      fields(r, (af, awt) => {
        if (af !== 1) return false;
        expect(awt, LEN);
        const socket: { address?: string } = {};
        fields(r, (sf, swt) => {
          if (sf !== 2) return false;
          expect(swt, LEN);
          socket.address = r.string();
          return true;
        });
        address.socket_address = socket;
        return true;
      });
      into.address = address;
    } else return false;
    return true;
  });
}

/** HeaderMap { repeated HeaderValue headers = 1 { key = 1, value = 2, raw_value = 3 } }. */
function headerMap(r: Reader, into: HeaderValue[]): void {
  fields(r, (f, wt) => {
    if (f !== 1) return false;
    expect(wt, LEN);
    const h: HeaderValue = { key: '', value: '' };
    const outer = r.enter();
    while (r.pos < r.end) {
      const tag = r.tag();
      const hf = tag >>> 3;
      expect(tag & 7, LEN);
      if (hf === 1) h.key = r.string();
      else if (hf === 2) h.value = r.string();
      else if (hf === 3) h.raw_value = r.bytes();
      else r.skip(tag & 7, hf);
    }
    r.leave(outer);
    into.push(h);
    return true;
  });
}

function http(r: Reader, into: Http): void {
  fields(r, (f, wt) => {
    switch (f) {
      case 1:
        expect(wt, LEN);
        into.id = r.string();
        return true;
      case 2:
        expect(wt, LEN);
        into.method = r.string();
        return true;
      case 3:
        expect(wt, LEN);
        mapEntry(r, into.headers as Record<string, string>);
        return true;
      case 4:
        expect(wt, LEN);
        into.path = r.string();
        return true;
      case 5:
        expect(wt, LEN);
        into.host = r.string();
        return true;
      case 11:
        expect(wt, LEN);
        into.body = r.string();
        return true;
      case 13: {
        expect(wt, LEN);
        const map = { headers: [] as HeaderValue[] };
        headerMap(r, map.headers);
        into.header_map = map;
        return true;
      }
      default:
        return false;
    }
  });
}

/** Decodes the fields of a CheckRequest that authz reads; throws RangeError on malformed bytes. */
export function decodeCheckRequest(bytes: Buffer): CheckRequestWire {
  const r = new Reader(bytes, 0, bytes.length);
  let attrs: Attributes | null = null;
  while (r.pos < r.end) {
    const tag = r.tag();
    if (tag >>> 3 !== 1) {
      r.skip(tag & 7, tag >>> 3);
      continue;
    }
    expect(tag & 7, LEN);
    const a = { context_extensions: {} } as Attributes;
    attrs = a;
    fields(r, (af, awt) => {
      if (af === 1) {
        expect(awt, LEN);
        const source: Peer = {};
        peer(r, source);
        a.source = source;
      } else if (af === 4) {
        expect(awt, LEN);
        // Request { http = 2 }
        const req: { http?: Http | null } = {};
        a.request = req;
        fields(r, (rf, rwt) => {
          if (rf !== 2) return false;
          expect(rwt, LEN);
          const h = { headers: {} } as Http;
          http(r, h);
          req.http = h;
          return true;
        });
      } else if (af === 10) {
        expect(awt, LEN);
        mapEntry(r, a.context_extensions as Record<string, string>);
      } else return false;
      return true;
    });
  }
  return { attributes: attrs };
}

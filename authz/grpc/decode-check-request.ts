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

class Reader {
  pos: number;
  readonly buf: Buffer;
  readonly end: number;
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
  /** The bounds of a length-delimited field. */
  span(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    const stop = start + len;
    if (stop > this.end) throw new RangeError('CheckRequest: length past the end');
    this.pos = stop;
    return [start, stop];
  }
  string(): string {
    const [s, e] = this.span();
    return this.buf.toString('utf8', s, e);
  }
  bytes(): Buffer {
    const [s, e] = this.span();
    return this.buf.subarray(s, e);
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
        this.span();
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

/** Runs `each(field, wireType)` over the fields of the message in [start, end). */
function fields(
  r: Reader,
  start: number,
  end: number,
  each: (field: number, wireType: number, r: Reader) => boolean,
): void {
  const inner = new Reader(r.buf, start, end);
  while (inner.pos < end) {
    const tag = inner.varint();
    const field = tag >>> 3;
    const wt = tag & 7;
    if (field === 0) throw new RangeError('CheckRequest: field number 0');
    if (!each(field, wt, inner)) inner.skip(wt, field);
  }
}

function mapEntry(r: Reader, into: Record<string, string>): void {
  const [s, e] = r.span();
  let key = '';
  let value = '';
  fields(r, s, e, (f, wt, x) => {
    if (f === 1) {
      expect(wt, LEN);
      key = x.string();
    } else if (f === 2) {
      expect(wt, LEN);
      value = x.string();
    } else return false;
    return true;
  });
  into[key] = value;
}

function peer(r: Reader, into: Peer): void {
  const [s, e] = r.span();
  fields(r, s, e, (f, wt, x) => {
    if (f === 5) {
      expect(wt, LEN);
      into.certificate = x.string();
    } else if (f === 1) {
      expect(wt, LEN);
      // Address { socket_address = 1 { address = 2 } }
      const address: { socket_address?: { address?: string } } = {};
      const [as, ae] = x.span();
      fields(x, as, ae, (af, awt, ax) => {
        if (af !== 1) return false;
        expect(awt, LEN);
        const [ss, se] = ax.span();
        const socket: { address?: string } = {};
        fields(ax, ss, se, (sf, swt, sx) => {
          if (sf !== 2) return false;
          expect(swt, LEN);
          socket.address = sx.string();
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

function headerMap(r: Reader, into: HeaderValue[]): void {
  const [s, e] = r.span();
  fields(r, s, e, (f, wt, x) => {
    if (f !== 1) return false;
    expect(wt, LEN);
    const [hs, he] = x.span();
    const h: HeaderValue = { key: '', value: '' };
    fields(x, hs, he, (hf, hwt, hx) => {
      expect(hwt, LEN);
      if (hf === 1) h.key = hx.string();
      else if (hf === 2) h.value = hx.string();
      else if (hf === 3) h.raw_value = hx.bytes();
      else return false;
      return true;
    });
    into.push(h);
    return true;
  });
}

function http(r: Reader, into: Http): void {
  const [s, e] = r.span();
  fields(r, s, e, (f, wt, x) => {
    switch (f) {
      case 1:
        expect(wt, LEN);
        into.id = x.string();
        return true;
      case 2:
        expect(wt, LEN);
        into.method = x.string();
        return true;
      case 3:
        expect(wt, LEN);
        mapEntry(x, into.headers as Record<string, string>);
        return true;
      case 4:
        expect(wt, LEN);
        into.path = x.string();
        return true;
      case 5:
        expect(wt, LEN);
        into.host = x.string();
        return true;
      case 11:
        expect(wt, LEN);
        into.body = x.string();
        return true;
      case 13: {
        expect(wt, LEN);
        const map = { headers: [] as HeaderValue[] };
        headerMap(x, map.headers);
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
  const top = new Reader(bytes, 0, bytes.length);
  let attrs: Attributes | null = null;
  fields(top, 0, bytes.length, (f, wt, x) => {
    if (f !== 1) return false;
    expect(wt, LEN);
    const a = { context_extensions: {} } as Attributes;
    attrs = a;
    const [s, e] = x.span();
    fields(x, s, e, (af, awt, ax) => {
      if (af === 1) {
        expect(awt, LEN);
        const source: Peer = {};
        peer(ax, source);
        a.source = source;
      } else if (af === 4) {
        expect(awt, LEN);
        // Request { http = 2 }
        const req: { http?: Http | null } = {};
        a.request = req;
        const [rs, re] = ax.span();
        fields(ax, rs, re, (rf, rwt, rx) => {
          if (rf !== 2) return false;
          expect(rwt, LEN);
          const h = { headers: {} } as Http;
          http(rx, h);
          req.http = h;
          return true;
        });
      } else if (af === 10) {
        expect(awt, LEN);
        mapEntry(ax, a.context_extensions as Record<string, string>);
      } else return false;
      return true;
    });
    return true;
  });
  return { attributes: attrs };
}

// A DNS server for the ACME e2e: answers every A question with 127.0.0.1 and every other
// question with no records, so Pebble's HTTP-01 validation of any route host reaches Envoy's
// plain-HTTP listener on this machine (Pebble's -dnsserver). UDP and TCP (Pebble asks over TCP)
// on one free loopback port.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

export interface LoopbackDns {
  readonly address: string;
  close(): Promise<void>;
}

/** The end of the question section (after QNAME, QTYPE, QCLASS), or -1. */
function questionEnd(msg: Buffer): number {
  let i = 12;
  while (i < msg.length && msg[i] !== 0) i += msg[i]! + 1;
  return i + 5 <= msg.length ? i + 5 : -1;
}

export function answer(query: Buffer): Buffer | undefined {
  if (query.length < 12) return undefined;
  const end = questionEnd(query);
  if (end < 0) return undefined;
  const qtype = query.readUInt16BE(end - 4);
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  header.writeUInt16BE(0x8180 | (query.readUInt16BE(2) & 0x0100), 2); // response, RD echoed, RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(qtype === 1 ? 1 : 0, 6);
  const question = query.subarray(12, end);
  if (qtype !== 1) return Buffer.concat([header, question]);
  const rr = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1]);
  return Buffer.concat([header, question, rr]);
}

export async function startLoopbackDns(port: number): Promise<LoopbackDns> {
  const socket = createSocket('udp4');
  socket.on('message', (msg, peer) => {
    const res = answer(msg);
    if (res) socket.send(res, peer.port, peer.address);
  });
  // TCP: each message is preceded by its 2-byte length (RFC 1035 §4.2.2).
  const open = new Set<import('node:net').Socket>();
  const tcp = createServer((conn) => {
    open.add(conn);
    conn.on('close', () => open.delete(conn));
    let buf = Buffer.alloc(0);
    conn.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        const res = answer(msg);
        if (res) {
          const len = Buffer.alloc(2);
          len.writeUInt16BE(res.length);
          conn.write(Buffer.concat([len, res]));
        }
      }
    });
    conn.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '127.0.0.1', () => resolve());
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(port, '127.0.0.1', () => resolve());
  });
  return {
    address: `127.0.0.1:${port}`,
    close: async () => {
      await new Promise<void>((r) => socket.close(() => r()));
      for (const c of open) c.destroy();
      await new Promise<void>((r) => tcp.close(() => r()));
    },
  };
}

// A test upstream: answers every request with JSON {name, method, path, headers} and speaks
// just enough websocket (RFC 6455 handshake + echo of text frames) to prove upgrades pass.
import { createHash } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface EchoUpstream {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export interface Echo {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const accept = (key: string): string =>
  createHash('sha1')
    .update(key + WS_GUID)
    .digest('base64');

/** One unmasked (server) or masked (client) text frame. */
function frame(text: string, mask: boolean): Buffer {
  const payload = Buffer.from(text);
  const key = mask ? Buffer.from([1, 2, 3, 4]) : Buffer.alloc(0);
  const head = Buffer.from([0x81, (mask ? 0x80 : 0) | payload.length]);
  const body = mask ? payload.map((b, i) => b ^ key[i % 4]!) : payload;
  return Buffer.concat([head, key, body]);
}

/** Decodes one short frame (payload < 126 bytes). */
function unframe(buf: Buffer): string | undefined {
  if (buf.length < 2) return undefined;
  const masked = (buf[1]! & 0x80) !== 0;
  const len = buf[1]! & 0x7f;
  const start = 2 + (masked ? 4 : 0);
  if (buf.length < start + len) return undefined;
  const data = buf.subarray(start, start + len);
  if (masked) {
    const key = buf.subarray(2, 6);
    return Buffer.from(data.map((b, i) => b ^ key[i % 4]!)).toString();
  }
  return data.toString();
}

export async function startEchoUpstream(name: string): Promise<EchoUpstream> {
  const server = createServer((req, res) => {
    const body: Echo = {
      name,
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
    };
    res.writeHead(200, { 'content-type': 'application/json', 'x-upstream': name });
    res.end(JSON.stringify(body));
  });
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket: Socket) => {
    const key = req.headers['sec-websocket-key'];
    if (req.headers.upgrade?.toLowerCase() !== 'websocket' || typeof key !== 'string') {
      socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
      return;
    }
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept(key)}\r\n\r\n`,
    );
    let buf = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const text = unframe(buf);
      if (text !== undefined) {
        buf = Buffer.alloc(0);
        socket.write(frame(`${name}:${text}`, false));
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface WebsocketResult {
  /** 101 when upgraded, else the HTTP status Envoy answered. */
  readonly status: number;
  readonly echoed?: string;
}

/** Opens a websocket to 127.0.0.1:port with the Host header `host`, sends `message`, reads the echo. */
export function websocketRoundTrip(
  port: number,
  host: string,
  path: string,
  message: string,
): Promise<WebsocketResult> {
  return new Promise((resolve, reject) => {
    const key = Buffer.from('portcullis-test!').toString('base64');
    const req = httpRequest({
      host: '127.0.0.1',
      port,
      path,
      headers: {
        host,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': key,
      },
    });
    req.on('upgrade', (res, socket: Socket) => {
      if (res.headers['sec-websocket-accept'] !== accept(key))
        reject(new Error('bad Sec-WebSocket-Accept'));
      let buf = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const text = unframe(buf);
        if (text !== undefined) {
          socket.destroy();
          resolve({ status: 101, echoed: text });
        }
      });
      socket.write(frame(message, true));
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('error', reject);
    req.end();
  });
}

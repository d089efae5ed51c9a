// Free loopback ports for processes that must be told their port up front (Envoy, child
// services). Picked at random below the kernel's ephemeral range (32768–60999 here): a port
// released from bind(0) lies inside that range, where any outgoing connection of a test running
// in parallel may take it before the child binds it. Below the range only an explicit bind can
// take it, and each port is handed out once per test process.
import { createServer } from 'node:net';

const LOW = 15_000;
const HIGH = 32_000;
const handedOut = new Set<number>();

function canBind(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW));
    if (handedOut.has(port)) continue;
    if (await canBind(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error(`no free loopback port in ${LOW}–${HIGH} after 200 tries`);
}

/** A tuple of N numbers, so `const [a, b] = await freePorts(2)` needs no cast. */
type Ports<N extends number, R extends number[] = []> = R['length'] extends N
  ? R
  : Ports<N, [...R, number]>;

export async function freePorts<N extends number>(n: N): Promise<Ports<N>> {
  const ports: number[] = [];
  while (ports.length < n) ports.push(await freePort());
  return ports as Ports<N>;
}

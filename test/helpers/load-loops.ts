// Steady request load for end-to-end tests: `concurrency` loops each sending one request after
// the other until stopped; every outcome (status or error) is recorded with its time.
import { type IncomingHttpHeaders, request } from 'node:http';

export interface Outcome {
  readonly at: number;
  /** HTTP status, or 0 for a connection error. */
  readonly status: number;
  readonly loop: string;
}

/** One GET through Envoy at 127.0.0.1:port with the given Host; resolves to the status (0 on error). */
export function getStatus(
  port: number,
  host: string,
  headers: Record<string, string> = {},
  path = '/',
): Promise<{ status: number; headers: IncomingHttpHeaders; body: string }> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, headers: { host, ...headers }, timeout: 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          if (body.length < 65_536) body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', () => resolve({ status: 0, headers: {}, body: '' }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, headers: {}, body: '' }));
    req.end();
  });
}

export interface LoadLoops {
  readonly outcomes: Outcome[];
  stop(): Promise<void>;
}

export function startLoadLoops(
  loops: readonly { name: string; count: number; send: () => Promise<number> }[],
): LoadLoops {
  const outcomes: Outcome[] = [];
  let running = true;
  const all = loops.flatMap((l) =>
    Array.from({ length: l.count }, async () => {
      while (running) {
        const status = await l.send();
        outcomes.push({ at: Date.now(), status, loop: l.name });
      }
    }),
  );
  return {
    outcomes,
    async stop() {
      running = false;
      await Promise.all(all);
    },
  };
}

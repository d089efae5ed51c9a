// h2load (Debian's nghttp2-client) as the load generator: saturation throughput, and latency
// percentiles at a fixed request rate from its per-request log (HTTP/1.1 keep-alive).
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LoadTarget {
  /** `http://127.0.0.1:<port>/path` */
  readonly url: string;
  /** Host header, e.g. `bench.localhost:8080`. */
  readonly authority: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface LoadResult {
  readonly rps: number;
  readonly ok: number;
  readonly failed: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function headerArgs(t: LoadTarget): string[] {
  const args = ['-H', `:authority: ${t.authority}`];
  for (const [k, v] of Object.entries(t.headers ?? {})) args.push('-H', `${k}: ${v}`);
  return args;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function h2load(args: string[]): Promise<string> {
  try {
    const { stdout } = await run('h2load', args, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error(
        'h2load is required: run ./scripts/setup-test-env (Debian package nghttp2-client)',
      );
    }
    throw err;
  }
}

/**
 * `clients` connections for `seconds` (after a second of warm-up), or for `requests` requests in
 * all; with `rps` each client sends that many requests per second (total rate = clients × rps),
 * else as fast as it can.
 */
export async function runLoad(
  target: LoadTarget,
  opts: { clients: number; seconds: number; rps?: number } | { clients: number; requests: number },
): Promise<LoadResult> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-h2load-'));
  const log = join(dir, 'requests.log');
  try {
    const out = await h2load([
      '--h1',
      '-c',
      String(opts.clients),
      ...('requests' in opts
        ? ['-n', String(opts.requests)]
        : ['-D', String(opts.seconds), '--warm-up-time', '1']),
      ...('rps' in opts && opts.rps ? ['--rps', String(opts.rps)] : []),
      '--log-file',
      log,
      ...headerArgs(target),
      target.url,
    ]);
    const rps = Number(/finished in [^,]+, ([\d.]+) req\/s/.exec(out)?.[1] ?? Number.NaN);
    const codes = /status codes: (\d+) 2xx, (\d+) 3xx, (\d+) 4xx, (\d+) 5xx/.exec(out);
    const failedReq = Number(/(\d+) failed, (\d+) errored/.exec(out)?.[1] ?? 0);
    const ok = Number(codes?.[1] ?? 0);
    const notOk = codes ? Number(codes[2]) + Number(codes[3]) + Number(codes[4]) : 0;
    const durations = (await readFile(log, 'utf8'))
      .split('\n')
      .map((l) => l.split('\t'))
      .filter((c) => c.length === 3 && c[1]!.startsWith('2'))
      .map((c) => Number(c[2]) / 1000)
      .sort((a, b) => a - b);
    return {
      rps,
      ok,
      failed: notOk + failedReq,
      p50Ms: percentile(durations, 50),
      p99Ms: percentile(durations, 99),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The one root logger of a `portcullis start` process: pino JSON lines on stdout, pretty when
// stdout is a TTY; cookies, authorization headers and tokens are redacted.
import { type Logger, pino } from 'pino';
import { createPrettyStream } from './pretty-log-stream.js';

export interface LoggerOptions {
  readonly level: string;
  /** Default: process.stdout. */
  readonly out?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Force pretty (true) or JSON (false); default: pretty when `out` is a TTY. */
  readonly pretty?: boolean;
}

export const REDACT_PATHS = [
  'req.headers.cookie',
  'req.headers.authorization',
  'headers.cookie',
  'headers.authorization',
  'headers["x-pomerium-authorization"]',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
];

/** Longest a JSON log line waits in the buffer. */
export const FLUSH_MS = 200;

/**
 * sonic-boom in buffer mode, each line turned into a Buffer once. In its default (utf8) mode
 * sonic-boom appends every line to one growing string and measures that string's UTF-8 length
 * again on each write: about 3.6 µs a line against 0.65 µs here (two lines per proxied request,
 * the `authorize` line and Envoy's access log line; docs/performance.md "Logging").
 */
function bufferedStdout(): ReturnType<typeof pino.destination> {
  const boom = pino.destination({ dest: 1, sync: false, minLength: 8192, contentMode: 'buffer' });
  const append = boom.write.bind(boom) as unknown as (data: Buffer) => boolean;
  // sonic-boom itself picks `write` per instance by content mode; pino hands it strings.
  boom.write = ((data: string | Buffer) =>
    append(typeof data === 'string' ? Buffer.from(data) : data)) as typeof boom.write;
  return boom;
}

export function createLogger(options: LoggerOptions): Logger {
  const out = options.out ?? process.stdout;
  const pretty = options.pretty ?? out.isTTY === true;
  // JSON to stdout goes through an asynchronous buffered writer (sonic-boom), flushed at least
  // every FLUSH_MS: a pipe write per log line was the largest single cost of the `authorize`
  // line per decision. Lifecycle lines flush at once (see start.ts); exit flushes the rest.
  const toStdout = !pretty && out === process.stdout;
  const destination = pretty
    ? createPrettyStream(out, out.isTTY === true)
    : toStdout
      ? bufferedStdout()
      : (out as NodeJS.WritableStream);
  if (toStdout) {
    const boom = destination as ReturnType<typeof pino.destination>;
    const flush = () => {
      try {
        boom.flush();
      } catch {
        // nothing buffered or a write in flight: the next round takes it
      }
    };
    setInterval(flush, FLUSH_MS).unref();
    process.once('exit', () => {
      try {
        boom.flushSync();
      } catch {
        // stdout gone
      }
    });
  }
  return pino(
    {
      level: options.level,
      base: { pid: process.pid },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    destination,
  );
}

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
      ? pino.destination({ dest: 1, sync: false, minLength: 8192 })
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

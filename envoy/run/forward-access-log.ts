// Envoy's stdout (the JSON access log of build-access-log.ts, one line per request) into our log
// stream with `service: "envoy"`; a line that is not a JSON object is logged as text.
//
// The hot path (docs/performance.md "Logging"): pino re-serializing a parsed 20-field access line
// cost ~8 µs a request. A line that parses as a flat JSON object with Envoy's constant
// `"service":"envoy"` and `"message":"http-request"` pairs is written as pino's own line for
// `log.info({}, 'http-request')` with Envoy's text of the other pairs spliced in before `msg`: the
// same fields, Envoy's JSON escaping instead of pino's. The line was parsed first, so it is valid
// JSON, and in valid JSON the text `"service":"envoy"` can only be that key and its value (inside
// a string every `"` is escaped). Loggers whose lines pino shapes itself (a mixin, a message
// prefix, hooks, a multistream, another message key) get `log.info` as before.
import type { ChildProcess } from 'node:child_process';
import { type Logger, symbols } from 'pino';

const SERVICE = '"service":"envoy"';
const MESSAGE = '"message":"http-request"';
const MSG = 'http-request';

type Internals = Record<symbol, unknown>;
type AsJson = (obj: object, msg: string, level: number, time: string) => string;
type Splice = (inner: string) => void;

/** Writes pino's line for `log.info({}, MSG)` with `inner` (JSON pairs) before `msg`, or null. */
function splicer(log: Logger): Splice | null {
  const l = log as unknown as Internals;
  const stream = l[symbols.streamSym] as ({ write?: (s: string) => unknown } & Internals) | null;
  const asJson = l[symbols.asJsonSym] as AsJson | undefined;
  const time = l[symbols.timeSym] as (() => string) | undefined;
  const hooks = l[symbols.hooksSym] as { logMethod?: unknown; streamWrite?: unknown } | undefined;
  if (
    typeof stream?.write !== 'function' ||
    stream[symbols.needsMetadataGsym] ||
    typeof asJson !== 'function' ||
    typeof time !== 'function' ||
    l[symbols.mixinSym] ||
    l[(symbols as unknown as Record<string, symbol>).msgPrefixSym!] ||
    hooks?.logMethod ||
    hooks?.streamWrite ||
    l[symbols.messageKeySym] !== 'msg'
  ) {
    return null;
  }
  const write = stream.write.bind(stream);
  return (inner) => {
    const line = asJson.call(log, {}, MSG, 30, time.call(log));
    const at = line.lastIndexOf(',"msg":');
    if (at < 0 || inner === '') write(line);
    else write(`${line.slice(0, at)},${inner}${line.slice(at)}`);
  };
}

/** `text` without the one `pair` (and a comma next to it), or null when it is not there once. */
function withoutPair(text: string, pair: string): string | null {
  const at = text.indexOf(pair);
  if (at < 0 || text.indexOf(pair, at + 1) >= 0) return null;
  const end = at + pair.length;
  if (text[end] === ',') return text.slice(0, at) + text.slice(end + 1);
  if (text[at - 1] === ',') return text.slice(0, at - 1) + text.slice(end);
  return text === pair ? '' : null; // spaced JSON: left to pino
}

/** Envoy's pairs other than service and message, or null when the line is not of that shape. */
function envoyPairs(line: string, fields: Record<string, unknown>): string | null {
  if (fields.service !== 'envoy' || fields.message !== MSG) return null;
  for (const key in fields) if (typeof fields[key] === 'object') return null;
  const inner = withoutPair(line.slice(1, -1), SERVICE);
  return inner === null ? null : withoutPair(inner, MESSAGE);
}

export function forwardAccessLog(proc: ChildProcess, log: Logger): void {
  const splice = splicer(log);
  let partial = '';
  proc.stdout?.setEncoding('utf8');
  proc.stdout?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    // Below info (log_level warn, error) no access line is written: parse none.
    if (!log.isLevelEnabled('info')) return;
    for (const line of lines) {
      if (line === '') continue;
      let fields: Record<string, unknown> | null = null;
      try {
        const parsed: unknown = JSON.parse(line);
        if (parsed !== null && typeof parsed === 'object')
          fields = parsed as Record<string, unknown>;
      } catch {
        fields = null;
      }
      if (fields === null) {
        log.info({ envoy: line }, 'envoy');
        continue;
      }
      const inner = splice === null || line[0] !== '{' ? null : envoyPairs(line.trim(), fields);
      if (inner !== null) {
        splice!(inner);
        continue;
      }
      const { message, service: _service, ...rest } = fields;
      log.info(rest, typeof message === 'string' ? message : MSG);
    }
  });
}

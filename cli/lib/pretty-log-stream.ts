// Pretty logs for people: turns pino's JSON lines into `12:00:01.234 INFO  [authorize] message
// key=value` lines (used when stdout is a TTY; pipes and files keep the JSON lines).
import { Writable } from 'node:stream';

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO ',
  40: 'WARN ',
  50: 'ERROR',
  60: 'FATAL',
};
const COLORS: Record<number, string> = { 40: '\x1b[33m', 50: '\x1b[31m', 60: '\x1b[31m' };
const OMIT = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service']);

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s="]/.test(v) || v === '' ? JSON.stringify(v) : v;
  return JSON.stringify(v) ?? String(v);
}

/** One JSON log line → one human line (non-JSON input passes through unchanged). */
export function formatLogLine(line: string, color = false): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (entry === null || typeof entry !== 'object') return line;
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const time =
    typeof entry.time === 'number' ? new Date(entry.time).toISOString().slice(11, 23) : '';
  const service = typeof entry.service === 'string' ? ` [${entry.service}]` : '';
  const rest = Object.entries(entry)
    .filter(([k]) => !OMIT.has(k))
    .map(([k, v]) => {
      if (k === 'err' && v && typeof v === 'object' && 'stack' in v) {
        return `\n    ${String((v as { stack: unknown }).stack).replaceAll('\n', '\n    ')}`;
      }
      return ` ${k}=${formatValue(v)}`;
    })
    .join('');
  const label = LEVELS[level] ?? String(level);
  const painted = color && COLORS[level] ? `${COLORS[level]}${label}\x1b[0m` : label;
  return `${time} ${painted}${service} ${String(entry.msg ?? '')}${rest}`;
}

/** A writable for pino that prints formatted lines to `out`. */
export function createPrettyStream(out: NodeJS.WritableStream, color = false): Writable {
  let pending = '';
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      pending += chunk.toString();
      let nl = pending.indexOf('\n');
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line !== '') out.write(`${formatLogLine(line, color)}\n`);
        nl = pending.indexOf('\n');
      }
      done();
    },
  });
}

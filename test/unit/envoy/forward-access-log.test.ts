// Envoy's access lines into our log stream (envoy/run/forward-access-log.ts): the spliced fast
// path writes the record pino would write for the same line, and every line of another shape (or
// a logger pino must shape itself) still goes through pino.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';
import { REDACT_PATHS } from '../../../cli/lib/create-logger.js';
import { forwardAccessLog } from '../../../envoy/run/forward-access-log.js';

function collecting(): DestinationStream & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (line: string) => void lines.push(line) };
}

/** As `portcullis start` makes it (cli/lib/create-logger.ts), with a fixed time. */
function rootLogger(out: DestinationStream, options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: 'info',
      base: { pid: 4242 },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: () => ',"time":1700000000000',
      ...options,
    },
    out,
  );
}

/** What start-envoy did before the fast path: parse, drop service and message, log.info. */
function reference(line: string, options: LoggerOptions = {}): unknown[] {
  const out = collecting();
  const log = rootLogger(out, options).child({ service: 'envoy' });
  let fields: Record<string, unknown> | null = null;
  try {
    const parsed: unknown = JSON.parse(line);
    if (parsed !== null && typeof parsed === 'object') fields = parsed as Record<string, unknown>;
  } catch {}
  if (fields === null) log.info({ envoy: line }, 'envoy');
  else {
    const { message, service: _service, ...rest } = fields;
    log.info(rest, typeof message === 'string' ? message : 'http-request');
  }
  return out.lines.map((l) => JSON.parse(l));
}

/** Feeds `chunks` as Envoy's stdout; returns the records written and how often pino's info ran. */
async function forward(chunks: readonly string[], options: LoggerOptions = {}, level = 'info') {
  const out = collecting();
  const log = rootLogger(out, options).child({ service: 'envoy' });
  log.level = level;
  let infoCalls = 0;
  const info = log.info.bind(log);
  log.info = ((...args: Parameters<typeof info>) => {
    infoCalls++;
    return info(...args);
  }) as typeof log.info;
  const stdout = new PassThrough();
  forwardAccessLog({ stdout } as unknown as ChildProcess, log);
  for (const c of chunks) stdout.write(c);
  await new Promise((r) => setImmediate(r));
  for (const l of out.lines) assert.ok(l.endsWith('}\n') && l.indexOf('\n') === l.length - 1);
  return { records: out.lines.map((l) => JSON.parse(l) as unknown), infoCalls };
}

const ENVOY_LINE =
  '{"authority":"app.example.com","authz-decision":"allow","duration":3,"message":"http-request","method":"GET","path":"/a","request-id":"r-1","response-code":200,"service":"envoy","upstream-host":"127.0.0.1:8080","user-agent":"curl/8"}';

const FAST: readonly [string, string][] = [
  ['a line as Envoy writes it (keys sorted)', ENVOY_LINE],
  [
    'service first and message last',
    '{"service":"envoy","path":"/","size":12,"message":"http-request"}',
  ],
  ['nothing but service and message', '{"message":"http-request","service":"envoy"}'],
  [
    'values that spell the removed pairs, escaped',
    '{"message":"http-request","referer":"\\"service\\":\\"envoy\\"","service":"envoy","user-agent":"x\\\\\\"message\\":\\"http-request\\""}',
  ],
  [
    'escaped control characters and non-ASCII text',
    '{"message":"http-request","path":"/\\u0001\\n\\t\\"é✓😀","service":"envoy"}',
  ],
  [
    'null, boolean and number values',
    '{"message":"http-request","a":null,"b":true,"service":"envoy","c":-1.5}',
  ],
];

for (const [name, line] of FAST) {
  test(`an access line is spliced without pino's serializer, same record: ${name}`, async () => {
    const { records, infoCalls } = await forward([`${line}\n`]);
    assert.deepEqual(records, reference(line));
    // null values are objects for the shape check: that line goes through pino
    assert.equal(infoCalls, name.startsWith('null') ? 1 : 0);
  });
}

const THROUGH_PINO: readonly [string, string][] = [
  ['spaced JSON', '{"a": 1, "message": "http-request", "service": "envoy"}'],
  ['a nested value', '{"message":"http-request","nested":{"cookie":"x"},"service":"envoy"}'],
  ['a repeated service key', '{"service":"envoy","message":"http-request","service":"envoy"}'],
  ['no service', '{"message":"http-request","path":"/"}'],
  ['another message', '{"message":"other","service":"envoy"}'],
  ['not JSON', 'starting worker 0'],
  ['a JSON array', '[1,2]'],
];

for (const [name, line] of THROUGH_PINO) {
  test(`an access line of another shape goes through pino: ${name}`, async () => {
    const { records, infoCalls } = await forward([`${line}\n`]);
    assert.deepEqual(records, reference(line));
    assert.equal(infoCalls, 1);
  });
}

test('a line split over two reads is written once, whole', async () => {
  const { records } = await forward([ENVOY_LINE.slice(0, 40), `${ENVOY_LINE.slice(40)}\n`]);
  assert.deepEqual(records, reference(ENVOY_LINE));
});

test('a logger with a mixin keeps pino writing every access line', async () => {
  const mixin = () => ({ node: 'n1' });
  const { records, infoCalls } = await forward([`${ENVOY_LINE}\n`], { mixin });
  assert.deepEqual(records, reference(ENVOY_LINE, { mixin }));
  assert.equal(infoCalls, 1);
});

test('below info no access line is written', async () => {
  const { records, infoCalls } = await forward([`${ENVOY_LINE}\n`], {}, 'warn');
  assert.deepEqual(records, []);
  assert.equal(infoCalls, 0);
});

// The JSON logger on stdout (cli/lib/create-logger.ts): sonic-boom in buffer mode behind pino.
// A child process logs through it into a pipe; every line must arrive whole, in order, with its
// UTF-8 text intact (a line longer than sonic-boom's 16 KiB write size included), and what is
// still buffered at exit must be flushed.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const LOGGER = join(here, '..', '..', '..', 'cli', 'lib', 'create-logger.js');

const CHILD = `
import { createLogger } from ${JSON.stringify(LOGGER)};
const logger = createLogger({ level: 'info', pretty: false });
for (let i = 0; i < 3000; i++) logger.info({ i, text: 'café ✓ 日本 ' + i }, 'authorize');
logger.info({ big: 'é'.repeat(20000) }, 'big');
logger.info({ cookie: 'secret', headers: { cookie: 'secret' } }, 'redacted');
logger.warn('last');
`;

test('the stdout logger writes every line whole, in order and in UTF-8, and flushes at exit', () => {
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(out.status, 0, out.stderr);
  const lines = out.stdout.split('\n');
  assert.equal(lines.pop(), '', 'the output ends with a newline');
  const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(records.length, 3003);
  for (let i = 0; i < 3000; i++) {
    assert.equal(records[i]!.i, i);
    assert.equal(records[i]!.text, `café ✓ 日本 ${i}`);
    assert.equal(records[i]!.msg, 'authorize');
    assert.equal(records[i]!.level, 30);
  }
  assert.equal(records[3000]!.big, 'é'.repeat(20000));
  assert.deepEqual(records[3001]!.headers, { cookie: '[redacted]' });
  assert.equal(records[3002]!.msg, 'last');
});

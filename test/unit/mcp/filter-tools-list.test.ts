// The tools/list body filter (mcp/tools-list/filter-tools-list.ts): JSON and SSE answers are
// parsed and written back with only the allowed tools; anything it cannot read is unfilterable.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { filterToolsListBody } from '../../../mcp/tools-list/filter-tools-list.js';

const allowed = (name: string) => !name.startsWith('admin_');
const list = (names: unknown[]) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    result: { tools: names.map((name) => ({ name })), nextCursor: 'c' },
  });

test('keeps the allowed tools and every other field of the answer', () => {
  const out = filterToolsListBody('application/json', list(['a', 'admin_b', 'c']), allowed);
  assert.equal(out.kind, 'filtered');
  if (out.kind !== 'filtered') return;
  assert.deepEqual(JSON.parse(out.body), {
    jsonrpc: '2.0',
    id: 1,
    result: { tools: [{ name: 'a' }, { name: 'c' }], nextCursor: 'c' },
  });
  assert.equal(out.kept, 2);
  assert.equal(out.removed, 1);
});

test('leaves messages without result.tools as they are and empties a tools field that is not a list', () => {
  const body = JSON.stringify([
    { jsonrpc: '2.0', id: 1, error: { code: 1, message: 'x' } },
    { jsonrpc: '2.0', id: 2, result: { tools: { name: 'admin_x' } } },
  ]);
  const out = filterToolsListBody('application/json', body, allowed);
  assert.equal(out.kind, 'filtered');
  if (out.kind !== 'filtered') return;
  const [a, b] = JSON.parse(out.body);
  assert.deepEqual(a.error, { code: 1, message: 'x' });
  assert.deepEqual(b.result.tools, []);
});

const SSE: readonly [string, string, string[]][] = [
  ['LF line ends', `event: message\ndata: ${list(['admin_a', 'b'])}\n\n`, ['b']],
  ['CRLF line ends', `event: message\r\ndata: ${list(['admin_a', 'b'])}\r\n\r\n`, ['b']],
  [
    'data split over lines',
    `data: {"jsonrpc":"2.0","id":1,\ndata: "result":{"tools":[{"name":"admin_a"},{"name":"b"}]}}\n\n`,
    ['b'],
  ],
  ['data without a space', `data:${list(['admin_a', 'b'])}\n\n`, ['b']],
];
for (const [what, body, names] of SSE) {
  test(`filters an SSE answer with ${what}`, () => {
    const out = filterToolsListBody('text/event-stream; charset=utf-8', body, allowed);
    assert.equal(out.kind, 'filtered');
    if (out.kind !== 'filtered') return;
    const data = out.body.split('\n').find((l) => l.startsWith('data: '))!;
    assert.deepEqual(
      JSON.parse(data.slice(6)).result.tools.map((t: { name: string }) => t.name),
      names,
    );
    assert.doesNotMatch(out.body, /admin_a/);
  });
}

const UNFILTERABLE: readonly [string, string, string][] = [
  ['text/html', 'text/html', list(['admin_a'])],
  ['no content type', '', list(['admin_a'])],
  ['broken JSON', 'application/json', '{"result":'],
];
for (const [what, type, body] of UNFILTERABLE) {
  test(`an answer with ${what} is unfilterable`, () => {
    assert.equal(filterToolsListBody(type, body, allowed).kind, 'unfilterable');
  });
}

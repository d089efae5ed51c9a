// Reading the JSON-RPC body of an MCP request (mcp/read-json-rpc.ts): what it calls, and a
// table of hostile bodies that each get a JSON-RPC error code instead of a throw.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  INVALID_PARAMS,
  INVALID_REQUEST,
  PARSE_ERROR,
  readJsonRpcBody,
} from '../../../mcp/index.js';

test('reads the tool of a tools/call and the method of other requests', () => {
  const call = readJsonRpcBody(
    'POST',
    JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'add', arguments: {} },
    }),
  );
  assert.deepEqual(call, { kind: 'messages', messages: [{ method: 'tools/call', tool: 'add' }] });
  const init = readJsonRpcBody(
    'POST',
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}',
  );
  assert.deepEqual(init, { kind: 'messages', messages: [{ method: 'initialize', tool: null }] });
  const note = readJsonRpcBody('POST', '{"jsonrpc":"2.0","method":"notifications/initialized"}');
  assert.equal(note.kind, 'messages');
  const reply = readJsonRpcBody('POST', '{"jsonrpc":"2.0","id":3,"result":{}}');
  assert.deepEqual(reply, { kind: 'messages', messages: [{ method: '', tool: null }] });
});

test('reads every message of a batch', () => {
  const b = readJsonRpcBody(
    'POST',
    '[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x"}}]',
  );
  assert.deepEqual(b, {
    kind: 'messages',
    messages: [
      { method: 'tools/list', tool: null },
      { method: 'tools/call', tool: 'x' },
    ],
  });
});

test('a GET (the SSE stream) or DELETE (end of session) carries no message', () => {
  assert.deepEqual(readJsonRpcBody('GET', ''), { kind: 'none' });
  assert.deepEqual(readJsonRpcBody('DELETE', 'garbage'), { kind: 'none' });
});

const HOSTILE: readonly [string, string, number][] = [
  ['an empty body', '', INVALID_REQUEST],
  ['whitespace', ' \n ', INVALID_REQUEST],
  ['truncated JSON', '{"jsonrpc":"2.0","id":1,"method":"tools/ca', PARSE_ERROR],
  ['not JSON at all', '<html>', PARSE_ERROR],
  ['a JSON string', '"tools/call"', INVALID_REQUEST],
  ['null', 'null', INVALID_REQUEST],
  ['an empty batch', '[]', INVALID_REQUEST],
  ['a batch of numbers', '[1,2]', INVALID_REQUEST],
  ['JSON-RPC 1.0', '{"id":1,"method":"tools/list"}', INVALID_REQUEST],
  ['a wrong version', '{"jsonrpc":"2.1","id":1,"method":"tools/list"}', INVALID_REQUEST],
  ['a numeric method', '{"jsonrpc":"2.0","id":1,"method":5}', INVALID_REQUEST],
  ['an empty method', '{"jsonrpc":"2.0","id":1,"method":""}', INVALID_REQUEST],
  ['scalar params', '{"jsonrpc":"2.0","id":1,"method":"x","params":"y"}', INVALID_REQUEST],
  ['no method, result or error', '{"jsonrpc":"2.0","id":1}', INVALID_REQUEST],
  ['tools/call without params', '{"jsonrpc":"2.0","id":1,"method":"tools/call"}', INVALID_PARAMS],
  [
    'tools/call with a numeric name',
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":1}}',
    INVALID_PARAMS,
  ],
  [
    'tools/call with an array name',
    '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":["admin_drop"]}}',
    INVALID_PARAMS,
  ],
  [
    'a batch hiding a bad tools/call after a good message',
    '[{"jsonrpc":"2.0","id":1,"method":"tools/list"},{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{}}]',
    INVALID_PARAMS,
  ],
  [
    'a batch of 101 messages',
    JSON.stringify(Array(101).fill({ jsonrpc: '2.0', method: 'x' })),
    INVALID_REQUEST,
  ],
  ['deeply nested arrays', `${'['.repeat(5000)}${']'.repeat(5000)}`, INVALID_REQUEST],
];
for (const [what, body, code] of HOSTILE) {
  test(`refuses ${what} with JSON-RPC error ${code}`, () => {
    const r = readJsonRpcBody('POST', body);
    assert.equal(r.kind, 'invalid');
    assert.equal(r.kind === 'invalid' && r.code, code);
  });
}

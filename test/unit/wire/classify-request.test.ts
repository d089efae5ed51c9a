import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAccept, qualityOf, responseFormat } from '../../../wire/index.js';

const cases: [string, Record<string, string>, string][] = [
  ['no headers', {}, 'html'],
  ['a browser', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }, 'html'],
  ['*/*', { accept: '*/*' }, 'html'],
  ['JSON only', { accept: 'application/json' }, 'json'],
  ['JSON preferred by q', { accept: 'text/html;q=0.5, application/json' }, 'json'],
  ['HTML preferred by q', { accept: 'application/json;q=0.2, text/html' }, 'html'],
  ['equal q keeps HTML', { accept: 'application/json, text/html' }, 'html'],
  ['application/* with HTML lower', { accept: 'application/*, text/html;q=0.1' }, 'json'],
  ['garbage Accept', { accept: ';;;,,' }, 'html'],
  ['gRPC', { 'content-type': 'application/grpc' }, 'grpc'],
  [
    'gRPC with codec',
    { 'content-type': 'application/grpc+proto', accept: 'application/json' },
    'grpc',
  ],
  ['gRPC-Web', { 'content-type': 'application/grpc-web-text' }, 'grpc-web'],
  ['not gRPC', { 'content-type': 'application/grpcx' }, 'html'],
];
for (const [name, headers, want] of cases) {
  test(`response format: ${name} → ${want}`, () => {
    assert.equal(responseFormat(headers), want);
  });
}

test('the most specific Accept range sets the quality', () => {
  const q = (accept: string, media: string) => qualityOf(media, parseAccept(accept) ?? []);
  assert.equal(q('*/*;q=0.1, application/json;q=0.9', 'application/json'), 0.9);
  assert.equal(q('text/*;q=0.3', 'text/html'), 0.3);
  assert.equal(q('image/png', 'text/html'), 0);
});

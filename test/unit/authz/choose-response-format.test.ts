import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseResponseFormat, qualityOf } from '../../../authz/lib/choose-response-format.js';

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
  test(`denial format: ${name} → ${want}`, () => {
    assert.equal(chooseResponseFormat(headers), want);
  });
}

test('the most specific Accept range sets the quality', () => {
  assert.equal(qualityOf('*/*;q=0.1, application/json;q=0.9', 'application/json'), 0.9);
  assert.equal(qualityOf('text/*;q=0.3', 'text/html'), 0.3);
  assert.equal(qualityOf('image/png', 'text/html'), 0);
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { denialForError } from '../../../authz/respond/denial-for-error.js';
import { CONFIG_ISSUE_CODES } from '../../../config/index.js';
import {
  ERROR_TABLE,
  type ErrorCode,
  errorCodeOf,
  grpcStatusOf,
  httpStatusOf,
  PortcullisError,
  portcullisError,
  userMessageOf,
} from '../../../errors/index.js';
import { buildErrorDocs } from '../../../scripts/generate-error-docs.js';
import { repoRoot } from '../../helpers/config-fixtures.js';

const root = repoRoot();
const CODES = Object.keys(ERROR_TABLE) as ErrorCode[];

test('docs/errors.md is exactly what the error table generates', () => {
  const docs = readFileSync(join(root, 'docs', 'errors.md'), 'utf8');
  assert.equal(docs, buildErrorDocs(), 'run: node dist/scripts/generate-error-docs.js');
});

test('docs/errors.md names every error code and every config issue code once', () => {
  const docs = buildErrorDocs();
  for (const code of CODES) assert.equal(docs.split(`| \`${code}\` |`).length - 1, 1, code);
  for (const code of CONFIG_ISSUE_CODES) {
    assert.equal(docs.split(`- \`${code}\` —`).length - 1, 1, code);
  }
});

test('every code maps to an error status and a gRPC status other than OK', () => {
  for (const code of CODES) {
    const { http, grpc } = ERROR_TABLE[code];
    assert.ok(http >= 400 && http <= 599, `${code}: ${http}`);
    assert.notEqual(grpc, 'OK');
  }
});

test('a thrown value that is not a PortcullisError is INTERNAL: 500, gRPC INTERNAL, never shown', () => {
  for (const thrown of [
    new Error('connect ECONNREFUSED postgres://admin:hunter2@db'),
    new TypeError('x is undefined'),
    'a string',
    null,
    { code: 'AUTHN_BAD_REQUEST', message: 'forged code on a plain object' },
  ]) {
    assert.equal(errorCodeOf(thrown), 'INTERNAL');
    assert.equal(httpStatusOf(thrown), 500);
    assert.equal(grpcStatusOf(thrown), 'INTERNAL');
    assert.equal(userMessageOf(thrown), 'An internal error occurred.');
  }
});

test('a message the table does not allow to be shown is replaced by the fixed text of its status', () => {
  const secret = 'password authentication failed for postgres://portcullis:s3cret@10.0.0.5/db';
  for (const code of CODES.filter((c) => !ERROR_TABLE[c].shown)) {
    const shown = userMessageOf(portcullisError(code, secret));
    assert.ok(!shown.includes('s3cret'), `${code} leaked its message`);
  }
  assert.equal(
    userMessageOf(portcullisError('STORE_UNAVAILABLE', secret)),
    'The service is temporarily unavailable; try again shortly.',
  );
});

test('a message the table allows to be shown is shown as written', () => {
  const e = portcullisError('AUTHN_REDIRECT_INVALID', 'redirect target is not a route host');
  assert.equal(userMessageOf(e), 'redirect target is not a route host');
  assert.equal(httpStatusOf(e), 400);
  assert.ok(e instanceof PortcullisError);
});

test('portcullisError keeps the cause when one is given and has none otherwise', () => {
  const cause = new Error('root');
  assert.equal(portcullisError('RETRYABLE', 'x', cause).cause, cause);
  assert.equal('cause' in portcullisError('RETRYABLE', 'x'), false);
});

test('authz denies an error with the table status, and its own failures with 503 (never 500)', () => {
  const expected: ReadonlyArray<readonly [ErrorCode, number, number]> = [
    ['AUTHZ_BAD_REQUEST', 400, 7],
    ['DUPLICATE_SESSION_COOKIE', 400, 7],
    ['AUTHZ_BEARER_INVALID', 401, 7],
    ['AUTHZ_DEADLINE_EXCEEDED', 503, 14],
    ['AUTHZ_INTERNAL', 503, 14],
    ['STORE_UNAVAILABLE', 503, 14],
    ['KEY_INVALID', 503, 14],
    ['CONFIG_INVALID', 503, 14],
    ['AUTHN_IDP_UNAVAILABLE', 503, 14],
  ];
  for (const [code, status, grpcCode] of expected) {
    const res = denialForError({ requestId: 'r-1' }, code);
    assert.equal(res.kind, 'deny', code);
    if (res.kind !== 'deny') continue;
    assert.equal(res.status, status, code);
    assert.equal(res.grpcCode, grpcCode, code);
  }
});

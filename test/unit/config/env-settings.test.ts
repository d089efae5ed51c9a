// Issue 15: every key is settable from the environment with Pomerium's names, nested keys
// included (DOWNSTREAM_MTLS_CA…), and a setting-like variable that is read by nobody is reported.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../../config/index.js';
import { issuesOf } from '../../helpers/config-fixtures.js';

const load = (text: string, env: Record<string, string>) =>
  parseConfigText(text, { file: 'test.yaml', env });

const CA_B64 = Buffer.from('-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n').toString(
  'base64',
);

test('reads every downstream_mtls key from its DOWNSTREAM_MTLS_* variable', () => {
  const { config } = load('', {
    DOWNSTREAM_MTLS_CA: CA_B64,
    DOWNSTREAM_MTLS_CRL: 'Y3Js',
    DOWNSTREAM_MTLS_MAX_VERIFY_DEPTH: '3',
    DOWNSTREAM_MTLS_ENFORCEMENT: 'reject_connection',
    DOWNSTREAM_MTLS_MATCH_SUBJECT_ALT_NAMES: '[{email: ".*@example[.]com"}]',
  });
  assert.equal(config.downstream_mtls?.ca, CA_B64);
  assert.equal(config.downstream_mtls?.crl, 'Y3Js');
  assert.equal(config.downstream_mtls?.max_verify_depth, 3);
  assert.equal(config.downstream_mtls?.enforcement, 'reject_connection');
  assert.deepEqual(config.downstream_mtls?.match_subject_alt_names, [
    { email: '.*@example[.]com' },
  ]);
});

test('reads DOWNSTREAM_MTLS_CA_FILE and DOWNSTREAM_MTLS_CRL_FILE as file paths', () => {
  const { config } = load('', {
    DOWNSTREAM_MTLS_CA_FILE: '/etc/ca.pem',
    DOWNSTREAM_MTLS_CRL_FILE: '/etc/crl.pem',
  });
  assert.equal(config.downstream_mtls?.ca_file, '/etc/ca.pem');
  assert.equal(config.downstream_mtls?.crl_file, '/etc/crl.pem');
});

test('lets a nested variable override the same key in the file and keep its siblings', () => {
  const text = 'downstream_mtls:\n  ca_file: /from/file.pem\n  enforcement: policy\n';
  const { config } = load(text, { DOWNSTREAM_MTLS_CA: CA_B64 });
  assert.equal(config.downstream_mtls?.ca, CA_B64);
  assert.equal(config.downstream_mtls?.ca_file, undefined, 'the env CA replaces the file CA');
  assert.equal(config.downstream_mtls?.enforcement, 'policy');
});

test('refines a DOWNSTREAM_MTLS object given whole with a nested variable', () => {
  const { config } = load('', {
    DOWNSTREAM_MTLS: '{"enforcement": "policy"}',
    DOWNSTREAM_MTLS_MAX_VERIFY_DEPTH: '2',
  });
  assert.equal(config.downstream_mtls?.enforcement, 'policy');
  assert.equal(config.downstream_mtls?.max_verify_depth, 2);
});

test('points a bad nested value at its environment variable', () => {
  const issues = issuesOf('', { DOWNSTREAM_MTLS_MAX_VERIFY_DEPTH: 'deep' });
  assert.equal(issues.length, 1);
  assert.equal(issues[0]!.file, 'env:DOWNSTREAM_MTLS_MAX_VERIFY_DEPTH');
  assert.equal(issues[0]!.path, 'downstream_mtls.max_verify_depth');
});

const REPORTED: readonly [string, RegExp][] = [
  ['DOWNSTREAM_MTLS_CAFILE', /did you mean DOWNSTREAM_MTLS_CA_FILE/],
  ['DOWNSTREAM_MTLS_CRLFILE', /did you mean DOWNSTREAM_MTLS_CRL_FILE/],
  ['PORTCULLIS_SHARED_SECRET', /did you mean SHARED_SECRET/],
  ['POMERIUM_COOKIE_SECRET', /did you mean COOKIE_SECRET/],
  ['IDP_CLIENT_SECRETT', /did you mean IDP_CLIENT_SECRET/],
  ['PORTCULLIS_WHATEVER', /not one, so it is ignored/],
  ['PORTCULLIS_HEALTHCHECK_URI', /not one, so it is ignored/],
  ['DNS_LOOKUP_FAMILY', /Pomerium reads DNS_LOOKUP_FAMILY .*does not implement it/],
  ['OTEL_LOG_LEVEL', /Pomerium reads OTEL_LOG_LEVEL/],
];

for (const [name, message] of REPORTED) {
  test(`warns about ${name}, a setting-like variable that nothing reads`, () => {
    const { warnings } = load('', { [name]: 'x' });
    const w = warnings.filter((i) => i.code === 'ignored_setting');
    assert.equal(w.length, 1);
    assert.equal(w[0]!.file, `env:${name}`);
    assert.match(w[0]!.message, message);
  });
}

test('says nothing about the variables the portcullis process reads itself (the image sets one)', () => {
  const { warnings } = load('', {
    PORTCULLIS_HEALTHCHECK_URL: 'http://127.0.0.1:9902/metrics',
    PORTCULLIS_CHECK_TRANSPORT: 'grpc-js',
    PORTCULLIS_START_PHASES: '1',
    PORTCULLIS_HEAP_GROWING_PERCENT: '50',
  });
  assert.deepEqual(
    warnings.filter((i) => i.code === 'ignored_setting'),
    [],
  );
});

test('says nothing about ordinary variables (PATH, HOME, DATABASE_URL, ENVOY_BIN, GRPC_TRACE)', () => {
  const { warnings } = load('', {
    PATH: '/usr/bin',
    HOME: '/root',
    DATABASE_URL: 'postgres://x',
    ENVOY_BIN: '/usr/bin/envoy',
    GRPC_TRACE: 'all',
    lowercase_thing: 'x',
  });
  assert.deepEqual(
    warnings.filter((i) => i.code === 'ignored_setting'),
    [],
  );
});

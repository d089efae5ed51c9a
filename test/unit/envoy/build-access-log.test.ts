import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseConfigText } from '../../../config/index.js';
import {
  accessLogFormat,
  buildAccessLog,
  DEFAULT_ACCESS_LOG_FIELDS,
} from '../../../envoy/build/build-access-log.js';

const ALWAYS = [
  'service',
  'message',
  'request-id',
  'envoy-route-name',
  'route-id',
  'route-name',
  'authz-decision',
  'authz-reason',
  'upstream-host',
  'request-duration',
  'response-duration',
];

test("without access_log_fields the line has Pomerium's default fields and the ones that follow a request", () => {
  const format = accessLogFormat(undefined);
  for (const f of [...DEFAULT_ACCESS_LOG_FIELDS, ...ALWAYS]) assert.ok(f in format, f);
  assert.equal(format.service, 'envoy');
  assert.equal(format['request-id'], '%REQ(X-REQUEST-ID)%');
  assert.equal(
    format['authz-decision'],
    '%DYNAMIC_METADATA(envoy.filters.http.ext_authz:decision)%',
  );
  assert.equal(format['route-name'], '%DYNAMIC_METADATA(envoy.filters.http.ext_authz:route_name)%');
});

test('access_log_fields selects the request fields; a headers.<Name> field logs that header', () => {
  const { config } = parseConfigText('access_log_fields: [ip, headers.X-Tenant]\n', {
    file: 'c.yaml',
    env: {},
  });
  const format = accessLogFormat(config.access_log_fields);
  assert.deepEqual(Object.keys(format).sort(), ['headers.X-Tenant', 'ip', ...ALWAYS].sort());
  assert.equal(format['headers.X-Tenant'], '%REQ(x-tenant)%');
  assert.equal(format.ip, '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%');
});

test('the access log is a JSON stdout logger of the connection manager', () => {
  const [log] = buildAccessLog({ access_log_fields: undefined });
  const typed = log?.typed_config as Record<string, unknown>;
  assert.equal(log?.name, 'envoy.access_loggers.stdout');
  assert.match(String(typed['@type']), /StdoutAccessLog$/);
  assert.ok((typed.log_format as Record<string, unknown>).json_format);
});

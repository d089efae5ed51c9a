import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DecisionSummary } from '../../../authz/grpc/decision-metadata.js';
import { serviceDefinitions } from '../../../authz/grpc/grpc-services.js';
import { readCheckRequest } from '../../../authz/grpc/read-check-request.js';
import {
  createResponseEncoder,
  writeCheckResponse,
} from '../../../authz/grpc/write-check-response.js';
import { selectedAuthorizeFields } from '../../../authz/lib/authorize-log-fields.js';
import { buildDenial } from '../../../authz/respond/build-denial.js';

const method = serviceDefinitions().authorization.Check!;
const roundTrip = (wire: unknown) =>
  method.responseDeserialize(method.responseSerialize(wire as never)) as {
    dynamic_metadata?: { fields: Record<string, { stringValue?: string; kind?: string }> };
  };

const denied: DecisionSummary = {
  outcome: 'deny',
  reason: 'email-unauthorized',
  routeId: 'r1',
  routeName: 'Payroll',
};

test('a denial carries the decision, reason, route id and name to Envoy as dynamic metadata', () => {
  const res = buildDenial({ status: 403, error: 'Forbidden', requestId: 'req-1' }, {});
  const decoded = roundTrip(writeCheckResponse(res, denied));
  const fields = decoded.dynamic_metadata?.fields ?? {};
  assert.equal(fields.decision?.stringValue, 'deny');
  assert.equal(fields.reason?.stringValue, 'email-unauthorized');
  assert.equal(fields.route_id?.stringValue, 'r1');
  assert.equal(fields.route_name?.stringValue, 'Payroll');
});

test('cached OK answers keep their own decision metadata', () => {
  const encode = createResponseEncoder((wire) => method.responseSerialize(wire as never));
  const allow = { kind: 'allow', headers: [], headersToRemove: [], queryToRemove: [] } as const;
  const a = encode(allow, { ...denied, outcome: 'allow', reason: 'email-ok' }) as Buffer;
  const b = encode(allow, { ...denied, outcome: 'allow', reason: 'public' }) as Buffer;
  const reason = (bytes: Buffer) =>
    (method.responseDeserialize(bytes) as ReturnType<typeof roundTrip>).dynamic_metadata?.fields
      .reason?.stringValue;
  assert.equal(reason(a), 'email-ok');
  assert.equal(reason(b), 'public');
  assert.equal(encode(allow, { ...denied, outcome: 'allow', reason: 'email-ok' }), a);
});

test('authorize_log_fields picks the request and identity fields of the authorize line', () => {
  const req = readCheckRequest({
    attributes: {
      source: { address: { socket_address: { address: '192.0.2.7' } } },
      request: {
        http: {
          id: '42',
          method: 'GET',
          host: 'app.example.com',
          path: '/a?b=1',
          headers: { 'x-request-id': 'rid', 'x-tenant': 'acme' },
        },
      },
      context_extensions: { internal: 'false', route_id: 'r1' },
    },
  });
  const identity = { sessionId: 's1', userId: 'u1', email: 'e@example.com' } as never;
  assert.deepEqual(
    selectedAuthorizeFields(
      ['request-id', 'check-request-id', 'ip', 'query', 'email', 'headers.X-Tenant'],
      req,
      identity,
    ),
    {
      request_id: 'rid',
      check_request_id: '42',
      ip: '192.0.2.7',
      query: 'b=1',
      email: 'e@example.com',
      headers: { 'x-tenant': 'acme' },
    },
  );
});

// The proto check rejects what Envoy would: unknown and deprecated fields, wrong value types,
// undefined enum values, conflicting oneof members, Any payloads of unknown types, and
// protoc-gen-validate violations (required, min_len, ranges, header names, list sizes).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkProtoMessage } from '../../../envoy/lib/check-proto-message.js';
import { envoyProtoRoot } from '../../../envoy/lib/envoy-proto-root.js';

const CLUSTER = 'envoy.config.cluster.v3.Cluster';
const ROUTE = 'envoy.config.route.v3.Route';
const good = { name: 'c', connect_timeout: '1s', type: 'STATIC', lb_policy: 'ROUND_ROBIN' };

const cases: { name: string; type: string; value: unknown; fields: string[] }[] = [
  { name: 'accepts a valid cluster', type: CLUSTER, value: good, fields: [] },
  {
    name: 'rejects an unknown field',
    type: CLUSTER,
    value: { ...good, hacked: true },
    fields: ['hacked'],
  },
  {
    name: 'rejects a prototype-polluting key',
    type: CLUSTER,
    value: JSON.parse('{"name":"c","connect_timeout":"1s","__proto__":{"x":1}}'),
    fields: ['__proto__'],
  },
  {
    name: 'rejects a deprecated field',
    type: CLUSTER,
    value: { ...good, hosts: [] },
    fields: ['hosts'],
  },
  {
    name: 'rejects an empty name (min_len)',
    type: CLUSTER,
    value: { ...good, name: '' },
    fields: ['name'],
  },
  {
    name: 'rejects a wrong value type',
    type: CLUSTER,
    value: { ...good, per_connection_buffer_limit_bytes: 'lots' },
    fields: ['per_connection_buffer_limit_bytes'],
  },
  {
    name: 'rejects an undefined enum value',
    type: CLUSTER,
    value: { ...good, lb_policy: 'FASTEST' },
    fields: ['lb_policy'],
  },
  {
    name: 'rejects a malformed duration',
    type: CLUSTER,
    value: { ...good, connect_timeout: '10 seconds' },
    fields: ['connect_timeout'],
  },
  {
    name: 'rejects a zero connect timeout (duration gt 0)',
    type: CLUSTER,
    value: { ...good, connect_timeout: '0s' },
    fields: ['connect_timeout'],
  },
  {
    name: 'rejects a negative uint32',
    type: CLUSTER,
    value: { ...good, per_connection_buffer_limit_bytes: -1 },
    fields: ['per_connection_buffer_limit_bytes'],
  },
  {
    name: 'rejects two members of one oneof',
    type: CLUSTER,
    value: { ...good, cluster_type: { name: 'x' } },
    fields: [''],
  },
  {
    name: 'rejects an Any of an unknown type',
    type: CLUSTER,
    value: {
      ...good,
      transport_socket: { name: 't', typed_config: { '@type': 'type.googleapis.com/evil.Thing' } },
    },
    fields: ['transport_socket.typed_config.@type'],
  },
  {
    name: 'checks inside Any payloads',
    type: CLUSTER,
    value: {
      ...good,
      transport_socket: {
        name: 't',
        typed_config: {
          '@type':
            'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
          sni: 'x',
          bogus: 1,
        },
      },
    },
    fields: ['transport_socket.typed_config.bogus'],
  },
  {
    name: 'requires a route match (message required)',
    type: ROUTE,
    value: { route: { cluster: 'c' } },
    fields: ['match'],
  },
  {
    name: 'requires a route action (required oneof)',
    type: ROUTE,
    value: { match: { prefix: '/' } },
    fields: [''],
  },
  {
    name: 'rejects a header name with a newline',
    type: ROUTE,
    value: {
      match: { prefix: '/' },
      route: { cluster: 'c' },
      request_headers_to_remove: ['x-a\nx-b'],
    },
    fields: ['request_headers_to_remove[0]'],
  },
  {
    name: 'rejects the same bad header name every time it occurs, after good ones',
    type: ROUTE,
    value: {
      match: { prefix: '/' },
      route: { cluster: 'c' },
      request_headers_to_remove: ['x-a', 'x-a', 'x-b\n', 'x-b\n'],
    },
    fields: ['request_headers_to_remove[2]', 'request_headers_to_remove[3]'],
  },
  {
    name: 'rejects a string where a list of strings goes',
    type: ROUTE,
    value: { match: { prefix: '/' }, route: { cluster: 'c' }, request_headers_to_remove: 'x-a' },
    fields: ['request_headers_to_remove'],
  },
  {
    name: 'rejects a number in a list of strings',
    type: ROUTE,
    value: {
      match: { prefix: '/' },
      route: { cluster: 'c' },
      request_headers_to_remove: ['x-a', 7],
    },
    fields: ['request_headers_to_remove[1]'],
  },
  {
    name: 'rejects a number in a string field',
    type: CLUSTER,
    value: { ...good, alt_stat_name: 7 },
    fields: ['alt_stat_name'],
  },
  {
    name: 'rejects a direct response status out of range',
    type: ROUTE,
    value: { match: { prefix: '/' }, direct_response: { status: 99 } },
    fields: ['direct_response.status'],
  },
  {
    name: 'rejects an empty list where one item is needed (min_items)',
    type: 'envoy.config.route.v3.VirtualHost',
    value: { name: 'v', domains: [] },
    fields: ['domains'],
  },
];

for (const c of cases) {
  test(`proto check ${c.name}`, () => {
    const { problems } = checkProtoMessage(envoyProtoRoot(), c.type, c.value);
    const fields = [...new Set(problems.map((p) => p.field))];
    for (const f of c.fields)
      assert.ok(fields.includes(f), `${f} not in ${JSON.stringify(problems)}`);
    if (c.fields.length === 0) assert.deepEqual(problems, []);
  });
  // Checking without encoding (portcullis validate) takes shortcuts; the problems are the same.
  test(`proto check without encoding ${c.name} (the same problems)`, () => {
    const root = envoyProtoRoot();
    const encoding = checkProtoMessage(root, c.type, c.value).problems;
    assert.deepEqual(
      checkProtoMessage(root, c.type, c.value, { encode: false }).problems,
      encoding,
    );
  });
}

test('the converted form encodes: enums as numbers, durations as seconds/nanos, Any as bytes', () => {
  const root = envoyProtoRoot();
  const { value, problems } = checkProtoMessage(root, CLUSTER, {
    ...good,
    connect_timeout: '1.5s',
    lb_policy: 'MAGLEV',
  });
  assert.deepEqual(problems, []);
  const type = root.lookupType(CLUSTER);
  const decoded = type.toObject(type.decode(type.encode(value!).finish()), {
    enums: String,
    longs: String,
  });
  assert.equal(decoded.lb_policy, 'MAGLEV');
  assert.deepEqual(decoded.connect_timeout, { seconds: '1', nanos: 500_000_000 });
});

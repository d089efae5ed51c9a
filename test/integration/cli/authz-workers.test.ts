// `portcullis start --authz-workers 3` with Postgres and a real Envoy: three Check servers (this
// process on grpc_address and two forked workers on their own ports), each with its own record
// cache fed by the change feed. A session deleted in the databroker is refused by every one of
// them; a worker killed with SIGKILL is replaced on the same port and answers again; Envoy's
// authz cluster lists all three. With the memory databroker the flag falls back to one server.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { parseConfigText } from '../../../config/index.js';
import { openRecordStore, type RecordStore } from '../../../databroker/index.js';
import {
  type PortcullisProcess,
  spawnPortcullis,
} from '../../../examples/split-mode/spawn-portcullis.js';
import { computeIdpId, deriveKeys, signSessionHandle } from '../../../wire/index.js';
import { fixture } from '../../helpers/authz-harness.js';
import { type CheckResponseObject, checkClient } from '../../helpers/check-client.js';
import { tempDir } from '../../helpers/config-fixtures.js';
import { freePorts } from '../../helpers/free-port.js';
import { databaseUrl, dropSchema, testSchemaName } from '../../helpers/postgres.js';
import { eventually, sessionData, userData } from '../../helpers/records.js';
import { envoyBin } from '../../helpers/spawn-envoy.js';

const SECRET = 'ubxqVmfhHrgk7ZbQZlJReG8m0v5lsHiv3D82jxaPrZM=';
const schema = testSchemaName('workers');
let yaml: string;
let proc: PortcullisProcess;
let store: RecordStore;
const logs: Record<string, unknown>[] = [];

function config(o: { http: number; grpc: number; storage: string }): string {
  return `services: all
shared_secret: ${SECRET}
insecure_server: true
address: 127.0.0.1:${o.http}
grpc_address: 127.0.0.1:${o.grpc}
authenticate_service_url: http://authenticate.localhost:${o.http}
idp_provider_url: http://127.0.0.1:9
idp_client_id: c
idp_client_secret: s
${o.storage}
routes:
  - id: app
    from: http://app.example.com
    to: http://127.0.0.1:9
    allowed_domains: [example.com]
`;
}

/** The Check servers: grpc_address and the workers' ports (from the start's log). */
function checkPorts(grpcPort: number): number[] {
  const started = logs.find((l) => l.msg === 'authz workers started') as
    | { ports?: number[] }
    | undefined;
  return [grpcPort, ...(started?.ports ?? [])];
}

async function check(port: number, cookie: string): Promise<'allow' | 'deny'> {
  const client = checkClient(`127.0.0.1:${port}`);
  const req = fixture('api-get', (f) => {
    f.attributes.request.http.headers.cookie = cookie;
  });
  try {
    const res = await new Promise<CheckResponseObject>((resolve, reject) =>
      client.check(req, { deadline: Date.now() + 10_000 }, (e, r) => (e ? reject(e) : resolve(r))),
    );
    return res.ok_response ? 'allow' : 'deny';
  } finally {
    client.close();
  }
}

async function signIn(): Promise<{ cookie: string; sessionId: string }> {
  const loaded = parseConfigText(yaml, { file: 'workers.yaml', env: {} });
  const userId = `u-${randomUUID().slice(0, 8)}`;
  const sessionId = randomUUID();
  const t = Date.now();
  await store.put([
    { type: 'user', id: userId, data: userData(userId) },
    {
      type: 'session',
      id: sessionId,
      data: sessionData(sessionId, {
        user_id: userId,
        idp_id: computeIdpId(loaded.config),
        issued_at: t,
        accessed_at: t,
        expires_at: t + 3_600_000,
        claims: { email: [`${userId}@example.com`] },
      }),
    },
  ]);
  const token = signSessionHandle(
    {
      iss: 'authenticate.localhost',
      sub: userId,
      aud: ['authenticate.localhost', 'app.example.com'],
      iat: Math.floor(t / 1000),
      exp: Math.floor(t / 1000) + 3600,
      jti: sessionId,
      idp_id: computeIdpId(loaded.config),
    },
    deriveKeys(SECRET).sessionKey,
  );
  return { cookie: `_pomerium=${token}`, sessionId };
}

let grpcPort = 0;
before(async () => {
  const env = { ENVOY_BIN: envoyBin() };
  const [http, g] = (await freePorts(2)) as [number, number];
  grpcPort = g;
  yaml = config({
    http,
    grpc: g,
    storage: `databroker_storage_type: postgres\ndatabroker_storage_connection_string: ${databaseUrl()}`,
  });
  const file = join(tempDir(), 'config.yaml');
  await writeFile(file, yaml);
  store = await openRecordStore(parseConfigText(yaml, { file, env: {} }).config, { schema });
  proc = await spawnPortcullis({
    name: 'workers',
    configFile: file,
    databrokerSchema: schema,
    env,
    args: ['--authz-workers', '3'],
    readyTimeoutMs: 120_000,
    onLine: (_n, line) => {
      if (line.startsWith('{')) logs.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
});
after(async () => {
  await proc?.stop();
  await store?.close();
  await dropSchema(schema);
});

test("start --authz-workers 3 runs three Check servers on their own ports, all in Envoy's authz cluster", async () => {
  const ports = checkPorts(grpcPort);
  assert.equal(ports.length, 3, JSON.stringify(logs.filter((l) => /worker/.test(String(l.msg)))));
  const ready = logs.find((l) => l.msg === 'ready') as { listen?: Record<string, unknown> };
  assert.ok(ready?.listen?.['authz-workers'], 'the ready line names the workers');
  // Envoy's authz cluster has all three as endpoints.
  const admin = (ready.listen?.proxy as { envoy_admin?: string } | undefined)?.envoy_admin;
  assert.ok(admin, "the ready line names Envoy's admin address");
  const clusters = (await (await fetch(`${admin}/clusters?format=json`)).json()) as {
    cluster_statuses: {
      name: string;
      host_statuses?: { address: { socket_address: { port_value: number } } }[];
    }[];
  };
  const authz = clusters.cluster_statuses.find((c) => c.name === 'portcullis-authorize');
  assert.deepEqual(
    (authz?.host_statuses ?? []).map((h) => h.address.socket_address.port_value).sort(),
    [...ports].sort(),
  );
});

test('a deleted session is refused by every Check server (each worker has its own cache)', async () => {
  const { cookie, sessionId } = await signIn();
  const ports = checkPorts(grpcPort);
  // Each server's cache holds the session first.
  for (const port of ports) {
    await eventually(async () => (await check(port, cookie)) === 'allow', 30_000);
  }
  await store.delete('session', sessionId);
  for (const port of ports) {
    await eventually(async () => (await check(port, cookie)) === 'deny', 30_000);
    assert.equal(await check(port, cookie), 'deny', `port ${port} still allows`);
  }
});

test('a killed worker is replaced on its port and decides again', async () => {
  const ports = checkPorts(grpcPort);
  const victim = logs.find((l) => l.msg === 'authz worker ready' && l.worker === 1) as {
    pid: number;
  };
  assert.ok(victim?.pid);
  process.kill(victim.pid, 'SIGKILL');
  await eventually(
    () => logs.some((l) => l.msg === 'authz worker replaced' && l.worker === 1),
    60_000,
  );
  const replaced = logs.filter((l) => l.msg === 'authz worker ready' && l.worker === 1);
  assert.equal(replaced.length, 2);
  assert.notEqual((replaced[1] as { pid: number }).pid, victim.pid);
  const { cookie } = await signIn();
  await eventually(
    async () => (await check(ports[1]!, cookie).catch(() => 'deny')) === 'allow',
    30_000,
  );
});

test('with the memory databroker --authz-workers falls back to one Check server and says so', async () => {
  const [http, g] = (await freePorts(2)) as [number, number];
  const file = join(tempDir(), 'memory.yaml');
  await writeFile(file, config({ http, grpc: g, storage: '' }));
  const lines: string[] = [];
  const p = await spawnPortcullis({
    name: 'memory',
    configFile: file,
    env: { ENVOY_BIN: envoyBin() },
    args: ['--authz-workers', '3'],
    readyTimeoutMs: 120_000,
    onLine: (_n, l) => lines.push(l),
  });
  try {
    assert.ok(lines.some((l) => /authz workers need the Postgres databroker/.test(l)));
    assert.ok(!lines.some((l) => /authz worker ready/.test(l)));
  } finally {
    await p.stop();
  }
});

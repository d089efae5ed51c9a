// Golden tests: the snapshot and bootstraps generated from fixtures/golden-config.yaml (every
// feature the generator knows) equal the checked-in JSON next to this file. After a deliberate
// change, regenerate with `UPDATE_GOLDEN=1 node --test dist/test/unit/envoy/golden.test.js`
// then `npx biome check --write test/unit/envoy/fixtures` (the comparison is on parsed JSON).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadConfigFile } from '../../../config/index.js';
import {
  buildAdsBootstrap,
  buildBootstrap,
  buildSnapshot,
  endpointsFromConfig,
  TYPE_URLS,
  validateSnapshot,
} from '../../../envoy/index.js';
import { checkProtoMessage } from '../../../envoy/lib/check-proto-message.js';
import { envoyProtoRoot } from '../../../envoy/lib/envoy-proto-root.js';
import { repoRoot } from '../../helpers/config-fixtures.js';

const dir = join(repoRoot(), 'test', 'unit', 'envoy', 'fixtures');
const configFile = join(dir, 'golden-config.yaml');

function golden(name: string, actual: unknown): void {
  const file = join(dir, name);
  const text = `${JSON.stringify(actual, null, 2)}\n`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, text);
  assert.deepEqual(JSON.parse(text), JSON.parse(readFileSync(file, 'utf8')), `${name} differs`);
}

async function load() {
  const loaded = await loadConfigFile(configFile, { env: {} });
  return { loaded, opts: { ...endpointsFromConfig(loaded.config), baseDir: dir } };
}

test('the snapshot of the golden config equals the checked-in listeners, routes and clusters', async () => {
  const { loaded, opts } = await load();
  const snapshot = buildSnapshot(loaded.config, opts);
  golden(
    'golden-listeners.json',
    snapshot.resources.listener.map((r) => r.resource),
  );
  golden(
    'golden-routes.json',
    snapshot.resources.route.map((r) => r.resource),
  );
  golden(
    'golden-clusters.json',
    snapshot.resources.cluster.map((r) => r.resource),
  );
});

test('the static and ADS bootstraps of the golden config equal the checked-in ones', async () => {
  const { loaded, opts } = await load();
  const result = buildBootstrap(loaded.config, opts);
  assert.ok(result.ok);
  golden('golden-bootstrap.json', result.bootstrap);
  const ads = buildAdsBootstrap({ ads: { host: '10.0.0.9', port: 5443 }, nodeId: 'edge-1' });
  golden('golden-ads-bootstrap.json', ads);
  const checked = checkProtoMessage(envoyProtoRoot(), 'envoy.config.bootstrap.v3.Bootstrap', ads);
  assert.deepEqual(checked.problems, []);
});

test('building twice gives the same snapshot version, and a changed route changes only the kinds it touches', async () => {
  const { loaded, opts } = await load();
  const one = validateSnapshot(buildSnapshot(loaded.config, opts));
  const two = validateSnapshot(buildSnapshot(loaded.config, opts));
  assert.ok(one.ok && two.ok);
  assert.equal(one.encoded.version, two.encoded.version);
  const routes = loaded.config.routes.map((r, i) => (i === 1 ? { ...r, timeout: 7000 } : r));
  const changed = validateSnapshot(buildSnapshot({ ...loaded.config, routes }, opts));
  assert.ok(changed.ok);
  assert.notEqual(changed.encoded.version, one.encoded.version);
  const v = (s: typeof one, t: string) => (s.ok ? s.encoded.types.get(t)?.version : undefined);
  assert.notEqual(v(changed, TYPE_URLS.route), v(one, TYPE_URLS.route));
  assert.equal(v(changed, TYPE_URLS.cluster), v(one, TYPE_URLS.cluster));
  assert.equal(v(changed, TYPE_URLS.listener), v(one, TYPE_URLS.listener));
});

test('every encoded resource decodes and re-encodes to the same bytes (round trip)', async () => {
  const { loaded, opts } = await load();
  const result = validateSnapshot(buildSnapshot(loaded.config, opts));
  assert.ok(result.ok);
  const root = envoyProtoRoot();
  for (const [url, entry] of result.encoded.types) {
    const type = root.lookupType(url.slice(url.indexOf('/') + 1));
    for (const r of entry.resources) {
      assert.deepEqual(
        Buffer.from(type.encode(type.decode(r.value)).finish()),
        Buffer.from(r.value),
        r.name,
      );
    }
  }
});

// The process's protobuf Root resolves type references on first use (protos/load-protos.ts) and
// runs only protobufjs's feature pass up front. These tests hold it to a Root built the usual way
// (`Root.fromJSON`, which resolves everything): the same wire features on every field, and the
// same bytes for a whole snapshot.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import protobuf from 'protobufjs';
import { loadConfigFile } from '../../../config/index.js';
import { buildSnapshot, endpointsFromConfig, validateSnapshot } from '../../../envoy/index.js';
import { envoyProtoRoot } from '../../../envoy/lib/envoy-proto-root.js';
import { repoRoot } from '../../helpers/config-fixtures.js';

function eagerRoot(): protobuf.Root {
  const file = join(repoRoot(), 'protos', 'vendor', 'descriptor.json');
  const d = JSON.parse(readFileSync(file, 'utf8')) as { root: protobuf.INamespace };
  return protobuf.Root.fromJSON(d.root); // throws if any type reference does not resolve
}

function* typesOf(ns: protobuf.NamespaceBase): Generator<protobuf.Type> {
  for (const n of ns.nestedArray) {
    if (n instanceof protobuf.Type) yield n;
    if (n instanceof protobuf.Namespace || n instanceof protobuf.Type) yield* typesOf(n);
  }
}

test('every field of the lazy Root has the wire features of a fully resolved Root before any use', () => {
  const eager = eagerRoot();
  const lazy = envoyProtoRoot();
  let fields = 0;
  let packed = 0;
  for (const type of typesOf(eager)) {
    const other = lazy.lookupType(type.fullName);
    for (const f of type.fieldsArray) {
      const g = other.fields[f.name]!;
      // Booleans only: `hasPresence` can be the field's OneOf, a whole other tree to compare.
      const features = (x: protobuf.Field) => ({
        packed: x.packed,
        required: x.required,
        optional: x.optional,
        delimited: x.delimited,
        hasPresence: Boolean(x.hasPresence),
        oneof: x.partOf?.name,
      });
      assert.deepEqual(features(g), features(f), `${type.fullName}.${f.name}`);
      fields++;
      if (f.packed) packed++;
    }
  }
  assert.ok(fields > 2000, `only ${fields} fields compared`);
  assert.ok(packed > 0, 'no packed field compared: the feature pass did not run');
});

test('the golden snapshot encoded with the lazy Root reads back to the same bytes through a fully resolved Root', async () => {
  const dir = join(repoRoot(), 'test', 'unit', 'envoy', 'fixtures');
  const loaded = await loadConfigFile(join(dir, 'golden-config.yaml'), { env: {} });
  const result = validateSnapshot(
    buildSnapshot(loaded.config, { ...endpointsFromConfig(loaded.config), baseDir: dir }),
  );
  assert.ok(result.ok);
  const eager = eagerRoot();
  let resources = 0;
  for (const [url, entry] of result.encoded.types) {
    const type = eager.lookupType(url.slice(url.indexOf('/') + 1));
    for (const r of entry.resources) {
      const again = type.encode(type.fromObject(type.toObject(type.decode(r.value)))).finish();
      assert.deepEqual(Buffer.from(again), Buffer.from(r.value), r.name);
      resources++;
    }
  }
  assert.ok(resources > 5, `only ${resources} resources compared`);
});

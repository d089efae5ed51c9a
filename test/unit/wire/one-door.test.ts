// The wire room has one door (wire/index.ts) and depends on no service: authn and authz import
// it, never each other's copy of a wire rule (issue 12: the copies differed).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

const IMPORT = /from '([^']+)'/g;

test('outside wire/, every import of the wire room goes through wire/index.js', () => {
  for (const room of ['authn', 'authz', 'config', 'databroker', 'envoy', 'cli']) {
    for (const file of sources(join(ROOT, room))) {
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
        if (!spec?.includes('/wire/')) continue;
        assert.match(spec, /\/wire\/index\.js$/, `${relative(ROOT, file)} imports ${spec}`);
      }
    }
  }
});

test('the wire room imports no service room (authn, authz, envoy, cli)', () => {
  for (const file of sources(join(ROOT, 'wire'))) {
    for (const [, spec] of readFileSync(file, 'utf8').matchAll(IMPORT)) {
      assert.doesNotMatch(spec ?? '', /\/(authn|authz|envoy|cli)\//, relative(ROOT, file));
    }
  }
});

test('authn and authz keep no copy of the wire rules', () => {
  for (const room of ['authn', 'authz']) {
    for (const file of sources(join(ROOT, room))) {
      const text = readFileSync(file, 'utf8');
      const where = relative(ROOT, file);
      assert.doesNotMatch(
        text,
        /function (parseCookies|parseAccept|isSessionValid|queryTokens)\b/,
        where,
      );
      assert.doesNotMatch(
        text,
        /cookie[\w.?'"[\]]*\.split\(/i,
        `${where} splits a Cookie header itself`,
      );
    }
  }
});

// The `portcullis` command ships as one bundled file (scripts/generate-cli-bundle.ts,
// docs/performance.md "One bundled file"): built from the current dist/, one file that imports
// only Node's builtins and the packages left out on purpose, and it runs every subcommand from an
// installation with production packages only. Run on compiled output (dist/).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join } from 'node:path';
import { test } from 'node:test';
import { PORTCULLIS_ENTRY } from '../../helpers/portcullis-entry.js';
import { productionCopy } from '../../helpers/production-copy.js';

const dist = join(PORTCULLIS_ENTRY, '..', '..');
const bundle = join(dist, 'cli', 'portcullis-main.mjs');
const generator = join(dist, 'scripts', 'generate-cli-bundle.js');
const env = { PATH: process.env.PATH ?? '' };

/** The package a module specifier names (`@scope/name` or `name`), or the specifier. */
function packageOf(spec: string): string {
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

test('the shipped files are the ones the bundle step makes from the current dist/', () => {
  assert.ok(existsSync(PORTCULLIS_ENTRY), 'npm run build makes dist/cli/portcullis.mjs');
  const r = spawnSync(process.execPath, [generator, '--check'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /up to date/);
});

test('the bundle is one file: it imports only node builtins and the packages left out of it', async () => {
  const { EXTERNAL_PACKAGES } = (await import(generator)) as { EXTERNAL_PACKAGES: string[] };
  const allowed = new Set([...builtinModules, ...EXTERNAL_PACKAGES.map(packageOf)]);
  const text = readFileSync(bundle, 'utf8');
  const specs = [
    ...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*"([^"]+)"/gm),
    ...text.matchAll(/\b(?:import|__require|require)\(\s*"([^"]+)"\s*\)/g),
  ].map((m) => m[1] as string);
  assert.ok(specs.includes('node:module'), 'the createRequire banner is there');
  const outside = specs.filter((s) => !s.startsWith('node:') && !allowed.has(packageOf(s)));
  assert.deepEqual([...new Set(outside)], []);
  // a package's own createRequire would load a second copy of what the bundle holds (the banner
  // names its createRequire apart)
  assert.doesNotMatch(text, /\bcreateRequire\(import\.meta\.url\)/);
  // protobufjs (with the long it requires) stays a package of its own
  assert.doesNotMatch(text, /node_modules\/(protobufjs|long)\//);
});

test("the bundle imports node:http through require, and on Node 22+ loading it loads no undici (Node's fetch)", () => {
  // an ES import of node:http reads its WebSocket getter, which loads undici (~50 ms on Node 24)
  assert.doesNotMatch(
    readFileSync(bundle, 'utf8'),
    /from\s*"(node:)?http"|import\("(node:)?http"\)/,
  );
  // on Node 20 pg's look at the Response global loads it anyway (a lazy global there)
  if (Number(process.versions.node.split('.')[0]) < 22) return;
  const hook = `data:text/javascript,${encodeURIComponent(
    "process.on('exit', () => process.stderr.write('undici ' + process.moduleLoadList.filter((m) => m.includes('undici')).length + '\\n'));",
  )}`;
  const r = spawnSync(process.execPath, ['--import', hook, PORTCULLIS_ENTRY, 'start', '--help'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^undici 0$/m);
});

test('from an installation with production packages only the bundle runs every subcommand', () => {
  const app = productionCopy();
  for (const dev of ['esbuild', 'typescript', 'tsx']) {
    assert.equal(existsSync(join(app, 'node_modules', dev)), false, `${dev} is not installed`);
  }
  const entry = join(app, 'dist', 'cli', 'portcullis.mjs');
  const run = (...args: string[]) =>
    spawnSync(process.execPath, [entry, ...args], { cwd: app, encoding: 'utf8', env });
  const version = run('--version');
  assert.equal(version.status, 0, version.stderr);
  assert.match(version.stdout, /^portcullis \d+\.\d+\.\d+/);
  const help = run('--help');
  assert.equal(help.status, 0, help.stderr);
  const commands = [...help.stdout.matchAll(/^ {2}([a-z][a-z-]*) {2,}/gm)].map((m) => m[1]);
  assert.ok(commands.includes('start') && commands.includes('validate'), help.stdout);
  for (const name of commands as string[]) {
    const r = run(name, '--help');
    assert.equal(r.status, 0, `${name} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`Usage: portcullis ${name}\\b`), name);
  }
  // the copy's protobufjs (outside the bundle, resolved from it) has long for int64 fields
  const protobuf = createRequire(join(app, 'dist', 'cli', 'portcullis-main.mjs'))('protobufjs') as {
    util: { Long?: unknown };
  };
  assert.equal(typeof protobuf.util.Long, 'function');
});

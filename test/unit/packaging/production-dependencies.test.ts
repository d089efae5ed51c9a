// Production installs only what runs (issue 17): `npm ls --omit=dev` holds no devDependency and
// none of the packages grpc-js-xds used to pull in; the runtime rooms import only dependencies;
// and `portcullis validate` (the shipped bundle) runs from a copy of the runtime rooms whose
// node_modules holds the production tree only (test/helpers/production-copy.ts; the bundle's own
// checks: cli-bundle.test.ts). Run on compiled output (dist/).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { repoRoot } from '../../helpers/config-fixtures.js';
import { productionCopy } from '../../helpers/production-copy.js';
import { RUNTIME_ROOMS } from '../../helpers/runtime-rooms.js';

const root = repoRoot();
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** Packages that must never reach production (pulled by @grpc/grpc-js-xds before issue 17). */
const NEVER_IN_PRODUCTION = ['@grpc/grpc-js-xds', 'node-forge', 'google-auth-library'];
/** devDependencies of ours that a production dependency declares itself, and why that is fine. */
const DECLARED_BY_A_DEPENDENCY: Record<string, string> = {
  '@types/node': 'protobufjs depends on it: type definitions, no code that runs',
};

type LsNode = { dependencies?: Record<string, LsNode> };
function productionTree(): Set<string> {
  const out = execFileSync('npm', ['ls', '--omit=dev', '--all', '--json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const names = new Set<string>();
  const walk = (node: LsNode): void => {
    for (const [name, child] of Object.entries(node.dependencies ?? {})) {
      names.add(name);
      walk(child);
    }
  };
  walk(JSON.parse(out) as LsNode);
  return names;
}

test('the production dependency tree holds no devDependency and nothing grpc-js-xds pulled in', () => {
  const names = productionTree();
  assert.ok(names.has('@grpc/grpc-js') && names.has('pg'), 'npm ls --omit=dev lists the runtime');
  const leaked = [...Object.keys(pkg.devDependencies), ...NEVER_IN_PRODUCTION].filter(
    (n) => names.has(n) && DECLARED_BY_A_DEPENDENCY[n] === undefined,
  );
  assert.deepEqual(leaked, []);
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => join(e.parentPath, e.name));
}

test('the runtime rooms import only node builtins, their own files and dependencies', () => {
  const allowed = new Set(Object.keys(pkg.dependencies));
  const builtins = new Set(builtinModules);
  const bad: string[] = [];
  for (const room of RUNTIME_ROOMS) {
    for (const file of sourceFiles(join(root, room))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+'([^']+)'/g)) {
        const spec = m[1] as string;
        if (spec.startsWith('.') || spec.startsWith('node:') || builtins.has(spec)) continue;
        const name = spec.startsWith('@')
          ? spec.split('/').slice(0, 2).join('/')
          : spec.split('/')[0];
        if (!allowed.has(name as string)) bad.push(`${relative(root, file)}: ${spec}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

test('portcullis validate runs from the runtime rooms with production packages only', () => {
  const app = productionCopy();
  const devOnly = [...Object.keys(pkg.devDependencies), ...NEVER_IN_PRODUCTION].filter(
    (n) => DECLARED_BY_A_DEPENDENCY[n] === undefined,
  );
  for (const dev of devOnly) {
    assert.equal(existsSync(join(app, 'node_modules', dev)), false, `${dev} is not installed`);
  }
  const r = spawnSync(
    process.execPath,
    [
      join(app, 'dist', 'cli', 'portcullis.mjs'),
      'validate',
      '-c',
      join(root, 'examples', 'quickstart', 'config.yaml'),
    ],
    { cwd: app, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
  );
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /valid \(3 routes\)/);
  // every room's door and every subcommand loads from the copy: a room the image forgets, or a
  // package only a lazily loaded command needs, fails here rather than in production
  const modules = [
    ...RUNTIME_ROOMS.map((room) => join(app, 'dist', room, 'index.js')),
    ...readdirSync(join(app, 'dist', 'cli', 'commands'))
      .filter((f) => f.endsWith('.js'))
      .map((f) => join(app, 'dist', 'cli', 'commands', f)),
  ];
  const load = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', `for (const m of ${JSON.stringify(modules)}) await import(m);`],
    { cwd: app, encoding: 'utf8', env: { PATH: process.env.PATH ?? '' } },
  );
  assert.equal(load.status, 0, load.stderr);
});

test('protos/vendor/ equals the files @grpc/grpc-js-xds ships (scripts/generate-protos.ts)', () => {
  const here = fileURLToPath(import.meta.url);
  const gen = here.endsWith('.js')
    ? join(dirname(here), '..', '..', '..', 'scripts', 'generate-protos.js')
    : join(root, 'scripts', 'generate-protos.ts');
  const r = spawnSync(process.execPath, [...process.execArgv, gen, '--check'], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /up to date/);
});

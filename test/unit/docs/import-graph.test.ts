// The rooms keep their shape (docs/architecture.md "Repository layout"): services import shared
// rooms and never each other, shared rooms never import a service, other rooms are entered only
// through a door (an index.ts: the room's own, or a sub-room's such as authz/policy/index.ts),
// and no module imports itself back through a cycle.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../helpers/config-fixtures.js';
import { listRooms } from '../../helpers/runtime-rooms.js';

const root = repoRoot();
/** Every top-level folder with a door (index.ts) is a room: a new one must be added below. */
const ROOMS = listRooms(root);
const SERVICES = new Set(['authz', 'authn', 'envoy']);
/** Which rooms each room may import (besides itself): shared rooms below, services above. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  errors: [],
  protos: [],
  databroker: ['errors'],
  wire: ['errors', 'databroker'],
  config: ['errors', 'wire'],
  tracing: ['config'],
  mcp: ['errors', 'config', 'wire', 'databroker'],
  authz: ['errors', 'config', 'wire', 'databroker', 'protos', 'tracing', 'mcp'],
  authn: ['errors', 'config', 'wire', 'databroker', 'tracing', 'mcp'],
  envoy: ['errors', 'config', 'wire', 'protos'],
  // a second front door over authz's decision core, matching routes as the Envoy config does
  'forward-auth': ['authz', 'envoy', 'config', 'wire', 'tracing'],
  // autocert: orders certificates and hands them to the Envoy config as SDS secrets
  acme: ['errors', 'config', 'databroker', 'wire', 'envoy'],
  cli: [
    'acme',
    'authz',
    'authn',
    'envoy',
    'forward-auth',
    'tracing',
    'config',
    'wire',
    'errors',
    'databroker',
  ],
};

test('every room found in the tree has a rule (a new room must be placed in the layering)', () => {
  assert.deepEqual(
    ROOMS.filter((r) => ALLOWED[r] === undefined),
    [],
  );
  assert.ok(ROOMS.includes('authz') && ROOMS.includes('errors') && ROOMS.length >= 12);
});

function tsFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) tsFiles(path, out);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const files = ROOMS.flatMap((r) => tsFiles(join(root, r)));
const roomOf = (file: string): string => relative(root, file).split(sep)[0]!;

/** Relative imports of a file, as absolute .ts paths, with whether they are type-only. */
function importsOf(file: string): { target: string; typeOnly: boolean }[] {
  const text = readFileSync(file, 'utf8');
  const out: { target: string; typeOnly: boolean }[] = [];
  for (const m of text.matchAll(/^(import|export)\s+(type\s+)?[^'";]*?from\s+'(\.[^']+)'/gms)) {
    const target = resolve(dirname(file), m[3]!).replace(/\.js$/, '.ts');
    out.push({ target, typeOnly: m[2] !== undefined });
  }
  return out;
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));

test('rooms import only the rooms below them (no service imports another service)', () => {
  const bad: string[] = [];
  for (const [file, imports] of graph) {
    const from = roomOf(file);
    for (const { target } of imports) {
      const to = roomOf(target);
      if (to === from || !ROOMS.includes(to)) continue;
      if (!(ALLOWED[from] ?? []).includes(to))
        bad.push(`${relative(root, file)} → ${relative(root, target)}`);
    }
  }
  assert.deepEqual(bad, []);
  assert.ok(SERVICES.size === 3);
});

test('another room is entered only through a door (an index.ts)', () => {
  const bad: string[] = [];
  for (const [file, imports] of graph) {
    const from = roomOf(file);
    for (const { target } of imports) {
      const to = roomOf(target);
      if (to === from || !ROOMS.includes(to)) continue;
      if (!target.endsWith(`${sep}index.ts`)) {
        bad.push(`${relative(root, file)} → ${relative(root, target)}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

test('no import cycle, type-only imports included', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const { target } of graph.get(file) ?? []) {
      // index.ts files only re-export: entering a room through its door is not a cycle by itself
      if (!graph.has(target) || target.endsWith(`${sep}index.ts`)) continue;
      if (state.get(target) === 'open') {
        cycles.push(
          stack
            .slice(stack.indexOf(target))
            .concat(target)
            .map((f) => relative(root, f))
            .join(' → '),
        );
      } else if (!state.has(target)) visit(target);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (!state.has(file)) visit(file);
  assert.deepEqual(cycles, []);
});

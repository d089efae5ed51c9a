// An installation as the production image holds it, in a temp folder: package.json,
// protos/vendor/, the runtime rooms of dist/ (the bundle in dist/cli/ with them) and a
// node_modules of the top-level packages of the production tree only (`npm ls --omit=dev`;
// symlinks, nested packages follow), so a devDependency the shipped code needs fails to load.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { repoRoot, tempDir } from './config-fixtures.js';
import { RUNTIME_ROOMS } from './runtime-rooms.js';

/** dist/ of this checkout; throws when the tests do not run from compiled output. */
export function compiledDist(): string {
  const dist = join(repoRoot(), 'dist');
  if (!existsSync(join(dist, 'cli', 'main.js'))) throw new Error('run on dist/ (npm run build)');
  return dist;
}

/** Makes the copy; returns its root (dist/, protos/, node_modules/ below it). */
export function productionCopy(): string {
  const root = repoRoot();
  const dist = compiledDist();
  const app = tempDir();
  cpSync(join(root, 'package.json'), join(app, 'package.json'));
  cpSync(join(root, 'protos', 'vendor'), join(app, 'protos', 'vendor'), { recursive: true });
  for (const room of RUNTIME_ROOMS) {
    cpSync(join(dist, room), join(app, 'dist', room), { recursive: true });
  }
  const prod = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .map((p) => relative(join(root, 'node_modules'), p).split(sep))
    .filter((parts) => parts[0] !== '..' && parts[0] !== '' && !parts.includes('node_modules'))
    .filter((parts) => parts.length === (parts[0]?.startsWith('@') ? 2 : 1));
  for (const parts of prod) {
    mkdirSync(join(app, 'node_modules', ...parts.slice(0, -1)), { recursive: true });
    symlinkSync(join(root, 'node_modules', ...parts), join(app, 'node_modules', ...parts), 'dir');
  }
  return app;
}

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './config-fixtures.js';

/** Top-level folders that hold code but are not rooms (no door, the image never ships them). */
const NOT_ROOMS = new Set(['node_modules', 'dist', 'test', 'bench', 'scripts', 'examples', 'docs']);

/**
 * The rooms of the tree (docs/architecture.md "Repository layout"): every top-level folder with
 * a door (`index.ts`). A new room is found here without being listed, so the import-graph test
 * must place it and the production image must ship it.
 */
export function listRooms(root: string = repoRoot()): string[] {
  return readdirSync(root)
    .filter(
      (name) =>
        !NOT_ROOMS.has(name) &&
        !name.startsWith('.') &&
        statSync(join(root, name)).isDirectory() &&
        existsSync(join(root, name, 'index.ts')),
    )
    .sort();
}

/**
 * The rooms of dist/ the production image ships: everything `portcullis` runs, which is every
 * room; tests, bench, examples and scripts stay out.
 */
export const RUNTIME_ROOMS: readonly string[] = listRooms();

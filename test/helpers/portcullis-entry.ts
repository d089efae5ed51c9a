// The `portcullis` command as it ships, for the tests and benches that spawn it: the bundle's
// launcher dist/cli/portcullis.mjs (scripts/generate-cli-bundle.ts, package.json bin), so they
// exercise the file the image and `npm start` run. Unit tests import modules directly.
import { join } from 'node:path';
import { repoRoot } from './config-fixtures.js';

/** dist/cli/portcullis.mjs of this checkout. */
export const PORTCULLIS_ENTRY = join(repoRoot(), 'dist', 'cli', 'portcullis.mjs');

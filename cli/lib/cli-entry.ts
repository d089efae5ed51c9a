// The file that started this `portcullis` process, which processes it forks run again (the authz
// workers: authz-workers.ts). That is the shipped entry, dist/cli/portcullis.mjs (the bundle's
// launcher, scripts/generate-cli-bundle.ts), or dist/cli/main.js of the unbundled tree; cli/main.ts sets
// it. A process that did not start from the command (a test calling startPortcullis) forks the
// unbundled entry next to this file.
import { fileURLToPath } from 'node:url';

/** The hidden first argument that makes the command an authz worker (authz-worker-main.ts). */
export const AUTHZ_WORKER_ARG = '__authz-worker';

let entry: string | undefined;

export function setCliEntry(file: string): void {
  entry = file;
}

export function cliEntry(): string {
  return entry ?? fileURLToPath(new URL('../main.js', import.meta.url));
}

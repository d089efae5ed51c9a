#!/usr/bin/env node
// The `portcullis` command as it ships (package.json bin, the images' entrypoint). The build
// (scripts/generate-cli-bundle.ts) turns this file into dist/cli/portcullis.mjs and everything cli/main.ts
// loads into ONE file next to it, dist/cli/portcullis-main.mjs (docs/performance.md "One bundled
// file"): this launcher first turns on Node's compile cache, which applies only to modules
// loaded after it, so the bundle it imports then compiles from the cache. Compiled by tsc alone
// (dist/cli/portcullis.js) it runs the unbundled tree the same way.
import { fileURLToPath } from 'node:url';
import { enableCompileCache } from './lib/compile-cache.js';

enableCompileCache();
const { runCommandLine } = await import('./main.js');
runCommandLine(fileURLToPath(import.meta.url));

// Bundles the `portcullis` command (docs/performance.md "One bundled file"), run by `npm run
// build` after tsc, from tsc's output: dist/cli/main.js and every module it loads, lazily loaded
// ones included (esbuild keeps an import() lazy: the module is evaluated when it is called), into
// ONE file, dist/cli/portcullis-main.mjs, and the launcher cli/portcullis.ts into
// dist/cli/portcullis.mjs, which turns on the compile cache and then imports the bundle. Both sit
// in dist/cli/, so the file-relative lookups of the tree (package.json and protos/vendor/ found by
// walking up from the module) find the same files. `--check` exits 1 when the files differ from
// what this build produces now (scripts/check-generated, test/unit/packaging/cli-bundle.test.ts).
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { argv, exit, stderr, stdout } from 'node:process';
import { build, type Plugin } from 'esbuild';
import { repoRoot } from './lib/repo-root.js';

const root = repoRoot(import.meta.url);
const cliDir = join(root, 'dist', 'cli');
export const BUNDLE_FILE = join(cliDir, 'portcullis-main.mjs');
export const LAUNCHER_FILE = join(cliDir, 'portcullis.mjs');

/**
 * npm packages left out of the bundle, loaded from node_modules as before, and why:
 * - protobufjs (and proto-loader's uses of it) with long: protobufjs takes `long` through a
 *   require inside a try (older versions: one hidden in an eval, @protobufjs/inquire); a bundle
 *   that missed it would silently turn int64 fields into lossy numbers. Bundling it measured no
 *   faster start (docs/performance.md "One bundled file"), so it stays a package of its own.
 * - long: protobufjs's, required by it.
 * - pg-native: pg's optional native binding, required only when asked for (not installed).
 * Everything else (grpc-js, jose, openid-client, pg, pino, zod, yaml, …) is bundled: none reads
 * files next to itself on the paths Portcullis runs (pino's worker-thread transports, which do,
 * are not used: cli/lib/create-logger.ts).
 */
export const EXTERNAL_PACKAGES = ['protobufjs', 'protobufjs/*', 'long', 'pg-native'];

/** CommonJS packages in an ES module call require/__filename: give them the module's own. */
const BANNER = [
  "import { createRequire as __portcullisCreateRequire } from 'node:module';",
  'const require = __portcullisCreateRequire(import.meta.url);',
].join('\n');

/** The launcher's import of the unbundled main.js becomes an import of the bundle file. */
const mainIsTheBundle: Plugin = {
  name: 'main-is-the-bundle',
  setup(b) {
    b.onResolve({ filter: /^\.\/main\.js$/ }, () => ({
      path: `./${relative(cliDir, BUNDLE_FILE)}`,
      external: true,
    }));
  },
};

/**
 * `import … from 'node:http'` in an ES module costs ~50 ms on Node 24 (~4 ms through require):
 * Node's ES module face of a builtin reads every export, and node:http's WebSocket, CloseEvent
 * and MessageEvent getters load undici, Node's fetch. The bundle's ES imports of node:http take
 * these names from require('node:http') instead; an import of another name fails the build.
 */
const HTTP_EXPORTS = [
  'Agent',
  'ClientRequest',
  'IncomingMessage',
  'METHODS',
  'OutgoingMessage',
  'STATUS_CODES',
  'Server',
  'ServerResponse',
  'createServer',
  'get',
  'request',
  'validateHeaderName',
  'validateHeaderValue',
];
const httpThroughRequire: Plugin = {
  name: 'http-through-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?http$/ }, (args) =>
      args.kind === 'import-statement' || args.kind === 'dynamic-import'
        ? { path: 'node:http', namespace: 'http-through-require' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'http-through-require' }, () => ({
      contents: [
        "const http = require('node:http');",
        'export default http;',
        `export const { ${HTTP_EXPORTS.join(', ')} } = http;`,
      ].join('\n'),
      loader: 'js',
    }));
  },
};

/**
 * Packages built by rolldown require through their own `createRequire(import.meta.url)`
 * (`__require("@grpc/grpc-js")` in @opentelemetry/otlp-grpc-exporter-base), which esbuild cannot
 * see: in the bundle that would load a second grpc-js from node_modules, whose credentials and
 * metadata the bundled one does not take (no span reached the collector). Those calls become
 * plain require calls, which esbuild bundles.
 */
const HIDDEN_REQUIRE = /\b__require\(("[^"]+")\)/g;
const hiddenRequires: Plugin = {
  name: 'hidden-requires',
  setup(b) {
    b.onLoad({ filter: /[\\/]node_modules[\\/].*\.mjs$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('_virtual/_rolldown/runtime.mjs')) return undefined;
      return { contents: text.replace(HIDDEN_REQUIRE, 'require($1)'), loader: 'js' };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  write: false,
  logLevel: 'warning',
  legalComments: 'none',
  absWorkingDir: root,
} as const;

/** The two files as this build makes them now: path → text. */
export async function bundleCli(): Promise<Map<string, string>> {
  const [main, launcher] = await Promise.all([
    build({
      ...common,
      entryPoints: [join(cliDir, 'main.js')],
      outfile: BUNDLE_FILE,
      external: EXTERNAL_PACKAGES,
      banner: { js: BANNER },
      plugins: [httpThroughRequire, hiddenRequires],
    }),
    build({
      ...common,
      entryPoints: [join(cliDir, 'portcullis.js')],
      outfile: LAUNCHER_FILE,
      plugins: [mainIsTheBundle],
    }),
  ]);
  const out = new Map<string, string>();
  for (const r of [main, launcher]) for (const f of r.outputFiles) out.set(f.path, f.text);
  return out;
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

if (import.meta.url === `file://${argv[1]}`) {
  const files = await bundleCli();
  if (argv.includes('--check')) {
    const stale = [...files].filter(([file, text]) => read(file) !== text).map(([f]) => f);
    if (stale.length > 0) {
      stderr.write(`not built from the current dist/ (run npm run build): ${stale.join(', ')}\n`);
      exit(1);
    }
    stdout.write('dist/cli/portcullis.mjs and portcullis-main.mjs are up to date\n');
  } else {
    for (const [file, text] of files) writeFileSync(file, text);
    chmodSync(LAUNCHER_FILE, 0o755);
  }
}

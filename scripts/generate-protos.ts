// Copies the .proto files Portcullis loads at run time (and everything they import) from the
// devDependency @grpc/grpc-js-xds, which bundles Envoy's API, xDS, googleapis and
// protoc-gen-validate, into the committed folder protos/vendor/. The runtime then needs no
// grpc-js-xds (and none of its dependencies) in production. It also writes the prebuilt
// descriptor of those files (protos/vendor/descriptor.json, scripts/lib/proto-descriptor.ts) that
// the runtime loads instead of parsing .proto text. `--check` exits 1 when the folder differs
// from what the package holds now (run by scripts/check-generated and a unit test).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { argv, exit, stderr, stdout } from 'node:process';
import { serviceProtoFiles, vendoredProtoEntryFiles } from '../protos/index.js';
import { buildProtoDescriptor } from './lib/proto-descriptor.js';
import { repoRoot } from './lib/repo-root.js';

const root = repoRoot(import.meta.url);
const vendorDir = join(root, 'protos', 'vendor');
const require = createRequire(join(root, 'package.json'));
const xdsPackageJson = require.resolve('@grpc/grpc-js-xds/package.json');
const xdsRoot = dirname(xdsPackageJson);
const xdsVersion = (JSON.parse(readFileSync(xdsPackageJson, 'utf8')) as { version: string })
  .version;
const sourceDirs = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) =>
  join(xdsRoot, 'deps', d),
);

/** Every file reachable from the entry files through `import`, keyed by its import path. */
function closure(entries: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.shift() as string;
    if (found.has(file)) continue;
    const dir = sourceDirs.find((d) => existsSync(join(d, file)));
    if (dir === undefined) {
      // google/protobuf/* (the well-known types) come bundled with protobufjs and proto-loader.
      if (file.startsWith('google/protobuf/')) continue;
      throw new Error(`${file}: not found in @grpc/grpc-js-xds ${xdsVersion}`);
    }
    const text = readFileSync(join(dir, file), 'utf8');
    found.set(file, text);
    for (const m of text.matchAll(/^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gm)) {
      queue.push(m[1] as string);
    }
  }
  return found;
}

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

const wanted = closure(vendoredProtoEntryFiles);
const healthProtoDir = join(dirname(require.resolve('grpc-health-check/package.json')), 'proto');
wanted.set(
  'descriptor.json',
  buildProtoDescriptor(
    [...vendoredProtoEntryFiles, serviceProtoFiles.health],
    [...sourceDirs, healthProtoDir],
  ),
);
wanted.set(
  'README.md',
  [
    '# Vendored protos (generated: do not edit)',
    '',
    `Copied by \`scripts/generate-protos.ts\` from \`@grpc/grpc-js-xds\` ${xdsVersion}`,
    "(its `deps/`: Envoy's data-plane API, xDS, googleapis and protoc-gen-validate, all",
    'Apache-2.0): the files Portcullis loads at run time and everything they import, and',
    '`descriptor.json`, all of them (with grpc.health.v1) parsed once: what the runtime loads. Regenerate',
    'with `npm run build && node dist/scripts/generate-protos.js`.',
    '',
  ].join('\n'),
);

const present = listFiles(vendorDir);
const drift = [
  ...[...wanted.keys()].filter(
    (f) =>
      !existsSync(join(vendorDir, f)) || readFileSync(join(vendorDir, f), 'utf8') !== wanted.get(f),
  ),
  ...present.filter((f) => !wanted.has(f)),
];

if (argv.includes('--check')) {
  if (drift.length > 0) {
    stderr.write(
      `protos/vendor/ is out of date (${drift.length} files, e.g. ${drift.slice(0, 3).join(', ')}): run npm run build && node dist/scripts/generate-protos.js\n`,
    );
    exit(1);
  }
  stdout.write(`protos/vendor/ is up to date (${wanted.size} files)\n`);
} else {
  rmSync(vendorDir, { recursive: true, force: true });
  for (const [file, text] of wanted) {
    mkdirSync(dirname(join(vendorDir, file)), { recursive: true });
    writeFileSync(join(vendorDir, file), text);
  }
  stdout.write(`protos/vendor/: ${wanted.size} files written\n`);
}

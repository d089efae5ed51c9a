// Loads Envoy's and gRPC's protos once, with one set of loader options, from the dependencies
// that ship them (@grpc/grpc-js-xds bundles Envoy's API, xDS and protoc-gen-validate;
// grpc-health-check ships grpc.health.v1). Nothing else in the project calls loadSync; the
// protobufjs Root (for reflection, Any payloads and encoding) uses the same include dirs.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { type GrpcObject, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const xdsRoot = dirname(require.resolve('@grpc/grpc-js-xds/package.json'));
const healthRoot = dirname(require.resolve('grpc-health-check/package.json'));

/** Folders that hold the .proto trees, in import-resolution order. */
export const protoIncludeDirs: readonly string[] = [
  join(xdsRoot, 'deps', 'envoy-api'),
  join(xdsRoot, 'deps', 'xds'),
  join(xdsRoot, 'deps', 'googleapis'),
  join(xdsRoot, 'deps', 'protoc-gen-validate'),
  join(healthRoot, 'proto'),
];

/** The one option set every proto load in Portcullis uses. */
export const protoLoaderOptions: Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [...protoIncludeDirs],
};

/** Proto files of the services Portcullis serves or speaks. */
export const serviceProtoFiles = {
  extAuthz: 'envoy/service/auth/v3/external_auth.proto',
  ads: 'envoy/service/discovery/v3/ads.proto',
  health: 'health/v1/health.proto',
} as const;

const cache = new Map<string, PackageDefinition>();

/** Loads (once) and returns the package definition of the given proto files. */
export function loadProtoDefinition(files: readonly string[]): PackageDefinition {
  const key = [...files].sort().join('\n');
  let def = cache.get(key);
  if (def === undefined) {
    def = loadSync([...files], protoLoaderOptions);
    cache.set(key, def);
  }
  return def;
}

/** The gRPC object tree for the given proto files (services and message types). */
export function loadGrpcObject(files: readonly string[]): GrpcObject {
  return loadPackageDefinition(loadProtoDefinition(files));
}

const roots = new Map<string, protobuf.Root>();

/**
 * Loads (once) a protobufjs Root of the given proto files with the same include dirs and
 * `keepCase` as the loader above, fully resolved: for reflection over Envoy's types (fields,
 * protoc-gen-validate options), `google.protobuf.Any` payloads and binary encoding.
 */
export function loadProtoRoot(files: readonly string[]): protobuf.Root {
  const key = [...files].sort().join('\n');
  let root = roots.get(key);
  if (root === undefined) {
    root = new protobuf.Root();
    const fallback = root.resolvePath.bind(root);
    root.resolvePath = (origin: string, target: string): string | null => {
      if (isAbsolute(target)) return target;
      for (const dir of protoIncludeDirs) {
        const full = join(dir, target);
        if (existsSync(full)) return full;
      }
      return fallback(origin, target); // google/protobuf/* come bundled with protobufjs
    };
    root.loadSync([...files], { keepCase: true });
    root.resolveAll();
    roots.set(key, root);
  }
  return root;
}

// Loads Envoy's and gRPC's protos once, with one set of loader options, from the dependencies
// that ship them (@grpc/grpc-js-xds bundles Envoy's API, xDS and protoc-gen-validate;
// grpc-health-check ships grpc.health.v1). Nothing else in the project calls loadSync.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { type GrpcObject, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';

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

// Loads Envoy's and gRPC's protos once, with one set of loader options: Envoy's API, xDS and
// protoc-gen-validate from protos/vendor/ (copied at build time from the devDependency
// @grpc/grpc-js-xds by scripts/generate-protos.ts, so production installs none of its
// dependencies); grpc.health.v1 from grpc-health-check. Nothing else in the project calls
// loadSync; the protobufjs Root (for reflection, Any payloads and encoding) uses the same dirs.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type GrpcObject, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync, type Options, type PackageDefinition } from '@grpc/proto-loader';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const healthRoot = dirname(require.resolve('grpc-health-check/package.json'));

/** protos/vendor/ of the package this file belongs to (from protos/ or dist/protos/). */
function vendorDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('protos: cannot find the package root');
    dir = up;
  }
  return join(dir, 'protos', 'vendor');
}

/** Folders that hold the .proto trees, in import-resolution order. */
export const protoIncludeDirs: readonly string[] = [vendorDir(), join(healthRoot, 'proto')];

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
  extProc: 'envoy/service/ext_proc/v3/external_processor.proto',
  health: 'health/v1/health.proto',
} as const;

/** Envoy's types our xDS resources and bootstrap use, with the typed configs they embed. */
export const envoyResourceProtoFiles = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
  'envoy/extensions/filters/http/ext_proc/v3/ext_proc.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/proxy_protocol/v3/proxy_protocol.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
  'envoy/config/trace/v3/opentelemetry.proto',
  'envoy/extensions/tracers/opentelemetry/resource_detectors/v3/static_config_resource_detector.proto',
] as const;

/** The files protos/vendor/ holds with everything they import (scripts/generate-protos.ts). */
export const vendoredProtoEntryFiles: readonly string[] = [
  serviceProtoFiles.extAuthz,
  serviceProtoFiles.ads,
  serviceProtoFiles.extProc,
  ...envoyResourceProtoFiles,
];

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

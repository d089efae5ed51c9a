// Loads Envoy's and gRPC's protos once, for the whole process: one protobufjs Root from the
// prebuilt descriptor protos/vendor/descriptor.json (scripts/generate-protos.ts writes it from the
// vendored .proto files and grpc.health.v1; scripts/check-generated keeps it in sync), used for
// reflection over Envoy's types (fields, protoc-gen-validate options), `google.protobuf.Any`
// payloads and binary encoding, and the gRPC service definitions built from the same Root.
// Reading JSON instead of parsing .proto text, and one Root instead of one per load, is most of
// what start-up spent on protos (docs/performance.md "The cold path").

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type GrpcObject,
  loadPackageDefinition,
  type MethodDefinition,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import protobuf from 'protobufjs';

/** What protos/vendor/descriptor.json holds (scripts/lib/proto-descriptor.ts). */
export interface ProtoDescriptor {
  readonly generatedBy: string;
  /** Entry file → the full names of the services it declares. */
  readonly services: Readonly<Record<string, readonly string[]>>;
  /** Message full name → field name → the field's parsed options (protobufjs JSON drops them). */
  readonly fieldOptions: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** protobufjs JSON of every type (`Root.toJSON()`). */
  readonly root: protobuf.INamespace;
}

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

/** The options every decoded gRPC message is turned into an object with (enums and longs as strings). */
export const protoObjectOptions: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
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

interface MethodJson {
  readonly requestStream?: boolean;
  readonly responseStream?: boolean;
}

let descriptor: ProtoDescriptor | undefined;
let root: protobuf.Root | undefined;
/** Entry file → its services, service → its methods: kept after the descriptor is dropped. */
let serviceTable:
  | {
      readonly files: ProtoDescriptor['services'];
      readonly methods: ReadonlyMap<string, Readonly<Record<string, MethodJson>>>;
    }
  | undefined;

/** The parsed descriptor (cheap: JSON.parse); dropped once the Root is built from it. */
function readDescriptor(): ProtoDescriptor {
  if (descriptor === undefined) {
    const d = JSON.parse(
      readFileSync(join(vendorDir(), 'descriptor.json'), 'utf8'),
    ) as ProtoDescriptor;
    const methods = new Map<string, Record<string, MethodJson>>();
    for (const name of Object.values(d.services).flat()) {
      let ns: protobuf.INamespace | undefined = d.root;
      for (const part of name.split('.')) ns = ns?.nested?.[part] as protobuf.INamespace;
      const m = (ns as { methods?: Record<string, MethodJson> } | undefined)?.methods;
      if (m === undefined) throw new Error(`protos: no service ${name} in the descriptor`);
      methods.set(name, m);
    }
    serviceTable ??= { files: d.services, methods };
    descriptor = d;
  }
  return descriptor;
}

function services(): NonNullable<typeof serviceTable> {
  if (serviceTable === undefined) readDescriptor();
  return serviceTable!;
}

/**
 * protobufjs's feature pass over the whole tree, the first half of `resolveAll`: it decides the
 * wire encoding (proto3's repeated scalars are packed) and field presence, so it must run before
 * anything is encoded. Cheap next to resolving the type references. A private method of
 * protobufjs 7.x: test/unit/protos/lazy-root.test.ts fails if it goes away or if this Root
 * encodes differently from `Root.fromJSON`'s.
 */
function resolveFeatures(r: protobuf.Root): void {
  const pass = (r as unknown as { _resolveFeaturesRecursive?: (edition: string) => unknown })
    ._resolveFeaturesRecursive;
  const edition = (r as unknown as { _edition?: string })._edition;
  if (typeof pass !== 'function' || edition === undefined) {
    r.resolveAll(); // another protobufjs: correct, only slower
    return;
  }
  pass.call(r, edition);
}

/**
 * The one protobufjs Root of every type in protos/vendor/ and grpc.health.v1. Type references
 * resolve on first use: reflection that reads `resolvedType` calls `field.resolve()` first.
 */
export function protoRoot(): protobuf.Root {
  if (root === undefined) {
    const d = readDescriptor();
    // Not Root.fromJSON: it also resolves every type reference, which builds a constructor per
    // type (~45 ms of the start for 532 types, most of which a config never uses). Types resolve
    // on first use instead: encode, decode and conversion resolve their fields, and the snapshot
    // checker asks `field.resolve()`.
    const built = new protobuf.Root().addJSON(d.root.nested ?? {}) as protobuf.Root;
    for (const [typeName, fields] of Object.entries(d.fieldOptions)) {
      const type = built.lookupType(typeName);
      for (const [name, parsed] of Object.entries(fields)) {
        (type.fields[name] as protobuf.Field).parsedOptions =
          parsed as protobuf.Field['parsedOptions'];
      }
    }
    resolveFeatures(built);
    root = built;
    descriptor = undefined;
  }
  return root;
}

function serializer(type: () => protobuf.Type): (value: unknown) => Buffer {
  return (value) => {
    if (Array.isArray(value)) {
      throw new Error(
        `Failed to serialize message: expected object with ${type().name} structure, got array instead`,
      );
    }
    const t = type();
    // A Buffer on Node (protobufjs's BufferWriter), as @grpc/proto-loader returns it.
    return t.encode(t.fromObject(value as Record<string, unknown>)).finish() as Buffer;
  };
}

function deserializer(type: () => protobuf.Type): (bytes: Buffer) => unknown {
  return (bytes) => {
    const t = type();
    return t.toObject(t.decode(bytes), protoObjectOptions);
  };
}

/**
 * A service's definition for grpc-js: paths and streaming from the descriptor's JSON, message
 * codecs that build the Root on their first call. Registering the services then costs nothing,
 * and `portcullis start` builds the Root after Envoy was spawned (its start overlaps ours).
 */
function serviceDefinition(fullName: string): ServiceDefinition {
  const methods = services().methods.get(fullName)!;
  const def: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [name, m] of Object.entries(methods)) {
    let resolved: protobuf.Method | undefined;
    const method = (): protobuf.Method => {
      if (resolved === undefined) {
        const m = protoRoot().lookupService(fullName).methods[name]!;
        m.resolve();
        resolved = m;
      }
      return resolved;
    };
    const req = () => method().resolvedRequestType as protobuf.Type;
    const res = () => method().resolvedResponseType as protobuf.Type;
    def[name] = {
      path: `/${fullName}/${name}`,
      requestStream: m.requestStream === true,
      responseStream: m.responseStream === true,
      requestSerialize: serializer(req),
      requestDeserialize: deserializer(req),
      responseSerialize: serializer(res),
      responseDeserialize: deserializer(res),
      originalName: name.charAt(0).toLowerCase() + name.slice(1),
    };
  }
  return def;
}

const objects = new Map<string, GrpcObject>();

/**
 * The gRPC object tree (service clients and their `.service` definitions) of the services the
 * given proto files declare, as @grpc/proto-loader would make it, without its per-message
 * descriptors (nothing here uses them).
 */
export function loadGrpcObject(files: readonly string[]): GrpcObject {
  const key = [...files].sort().join('\n');
  let object = objects.get(key);
  if (object === undefined) {
    const definition: Record<string, ServiceDefinition> = {};
    for (const file of files) {
      const names = services().files[file];
      if (names === undefined) throw new Error(`protos: ${file} declares no service we load`);
      for (const name of names) definition[name] = serviceDefinition(name);
    }
    object = loadPackageDefinition(definition);
    objects.set(key, object);
  }
  return object;
}

// The prebuilt descriptor protos/vendor/descriptor.json (docs/performance.md "The cold path"):
// the .proto text of every file Portcullis loads, parsed once here by protobufjs (keepCase, the
// option set of protos/load-protos.ts) and written as protobufjs JSON, so `portcullis start` and
// `validate` read JSON instead of parsing Envoy's .proto text. protobufjs's JSON drops a field's
// parsed options (the protoc-gen-validate rules envoy/lib/check-pgv-rules.ts reads), so they ride
// along in `fieldOptions`; `services` says which services each entry file declares.
import { existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
// For its side effect: protobufjs's bundled well-known types gain google/protobuf/descriptor.proto
// (and api, source_context, type), which Envoy's annotations import.
import '@grpc/proto-loader';
import protobuf from 'protobufjs';
import type { ProtoDescriptor } from '../../protos/index.js';

/** Parses `files` (and their imports) from the first of `includeDirs` holding each one. */
function parseProtoText(files: readonly string[], includeDirs: readonly string[]): protobuf.Root {
  const root = new protobuf.Root();
  const fallback = root.resolvePath.bind(root);
  root.resolvePath = (origin: string, target: string): string | null => {
    if (isAbsolute(target)) return target;
    for (const dir of includeDirs) {
      const full = join(dir, target);
      if (existsSync(full)) return full;
    }
    return fallback(origin, target); // google/protobuf/* come bundled with protobufjs
  };
  root.loadSync([...files], { keepCase: true });
  root.resolveAll();
  return root;
}

function* typesOf(ns: protobuf.NamespaceBase): Generator<protobuf.ReflectionObject> {
  for (const o of ns.nestedArray) {
    yield o;
    if (o instanceof protobuf.Namespace) yield* typesOf(o);
  }
}

/** The descriptor of `files`, as the text that protos/vendor/descriptor.json holds. */
export function buildProtoDescriptor(
  files: readonly string[],
  includeDirs: readonly string[],
): string {
  const root = parseProtoText(files, includeDirs);
  const services: Record<string, string[]> = {};
  const fieldOptions: Record<string, Record<string, unknown>> = {};
  for (const o of typesOf(root)) {
    const name = o.fullName.slice(1);
    if (o instanceof protobuf.Service) {
      const file = files.find((f) => o.filename?.endsWith(`/${f}`));
      if (file !== undefined) services[file] = [...(services[file] ?? []), name];
    }
    if (o instanceof protobuf.Type) {
      for (const f of o.fieldsArray) {
        if (f.parsedOptions)
          fieldOptions[name] = { ...fieldOptions[name], [f.name]: f.parsedOptions };
      }
    }
  }
  const descriptor: ProtoDescriptor = {
    generatedBy: 'scripts/generate-protos.ts',
    services,
    fieldOptions,
    root: root.toJSON(),
  };
  return `${JSON.stringify(descriptor)}\n`;
}

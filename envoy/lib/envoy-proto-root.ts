// The protobufjs Root of every Envoy type our resources use (resources, the typed configs they
// embed and the bootstrap): the process's one Root, loaded once through protos/.
import type protobuf from 'protobufjs';
import { protoRoot } from '../../protos/index.js';

const types = new Map<string, protobuf.Type>();

export function envoyProtoRoot(): protobuf.Root {
  return protoRoot();
}

/** A message type by full name (without the leading dot), looked up once. */
export function envoyType(name: string): protobuf.Type {
  let type = types.get(name);
  if (type === undefined) {
    type = envoyProtoRoot().lookupType(name);
    types.set(name, type);
  }
  return type;
}

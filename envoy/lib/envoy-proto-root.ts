// The protobufjs Root of every Envoy type our resources use (resources, the typed configs they
// embed and the bootstrap), loaded once through protos/.
import type protobuf from 'protobufjs';
import { loadProtoRoot } from '../../protos/index.js';

export const RESOURCE_PROTO_FILES = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/config/cluster/v3/cluster.proto',
  'envoy/config/listener/v3/listener.proto',
  'envoy/config/route/v3/route.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/ext_authz/v3/ext_authz.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/filters/listener/proxy_protocol/v3/proxy_protocol.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
  'envoy/extensions/access_loggers/stream/v3/stream.proto',
  'envoy/extensions/resource_monitors/downstream_connections/v3/downstream_connections.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/access_loggers/file/v3/file.proto',
] as const;

let root: protobuf.Root | undefined;
const types = new Map<string, protobuf.Type>();

export function envoyProtoRoot(): protobuf.Root {
  root ??= loadProtoRoot(RESOURCE_PROTO_FILES);
  return root;
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

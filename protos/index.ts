// The protos room: this file is its only door.
export { encodeMessage } from './encode-message.js';
export {
  envoyResourceProtoFiles,
  loadGrpcObject,
  type ProtoDescriptor,
  protoObjectOptions,
  protoRoot,
  serviceProtoFiles,
  vendoredProtoEntryFiles,
} from './load-protos.js';

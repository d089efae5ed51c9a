// The protos room: this file is its only door.
export {
  envoyResourceProtoFiles,
  loadGrpcObject,
  loadProtoDefinition,
  loadProtoRoot,
  protoIncludeDirs,
  protoLoaderOptions,
  serviceProtoFiles,
  vendoredProtoEntryFiles,
} from './load-protos.js';

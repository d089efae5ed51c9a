// The protos room: this file is its only door.
export {
  loadGrpcObject,
  loadProtoDefinition,
  loadProtoRoot,
  protoIncludeDirs,
  protoLoaderOptions,
  serviceProtoFiles,
} from './load-protos.js';

// The protos room: this file is its only door.
export {
  loadGrpcObject,
  loadProtoDefinition,
  protoIncludeDirs,
  protoLoaderOptions,
  serviceProtoFiles,
} from './load-protos.js';

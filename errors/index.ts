// The errors room: the one error table (each code's HTTP status, gRPC status, whether its message
// is shown; docs/errors.md is generated from it) and the error class. It imports nothing: every
// other room may use it.

export {
  ERROR_TABLE,
  type ErrorArea,
  type ErrorCode,
  type ErrorSpec,
  type GrpcStatusName,
} from './error-table.js';
export {
  errorCodeOf,
  grpcStatusOf,
  httpStatusOf,
  PortcullisError,
  portcullisError,
  userMessageOf,
} from './portcullis-error.js';

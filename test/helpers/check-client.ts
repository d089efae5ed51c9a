// A grpc-js client of envoy.service.auth.v3.Authorization (the Check service), from the
// process's one proto tree: what the authz harness, the workers test and the authz bench call
// Check servers with.
import * as grpc from '@grpc/grpc-js';
import { loadGrpcObject, serviceProtoFiles } from '../../protos/index.js';

/** A decoded CheckResponse (protoObjectOptions: enums and longs as strings, defaults set). */
export interface CheckResponseObject {
  readonly status?: { readonly code?: number; readonly message?: string };
  readonly ok_response?: unknown;
  readonly denied_response?: unknown;
  readonly [field: string]: unknown;
}

type Answer = (err: grpc.ServiceError | null, res: CheckResponseObject) => void;

export interface CheckClient extends grpc.Client {
  check(req: object, answer: Answer): grpc.ClientUnaryCall;
  check(req: object, md: grpc.Metadata, answer: Answer): grpc.ClientUnaryCall;
  check(req: object, opts: grpc.CallOptions, answer: Answer): grpc.ClientUnaryCall;
}

let Authorization: grpc.ServiceClientConstructor | undefined;

/** A client of the Check service at `target` (plain text unless `credentials` say otherwise). */
export function checkClient(
  target: string,
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
  options: grpc.ChannelOptions = {},
): CheckClient {
  if (Authorization === undefined) {
    const root = loadGrpcObject([serviceProtoFiles.extAuthz]) as unknown as {
      envoy: { service: { auth: { v3: { Authorization: grpc.ServiceClientConstructor } } } };
    };
    Authorization = root.envoy.service.auth.v3.Authorization;
  }
  return new Authorization(target, credentials, options) as unknown as CheckClient;
}

// The gRPC handler of envoy.service.auth.v3.Authorization/Check: decodes the CheckRequest, gives
// the decision core the caller's deadline and trace context, and sends the encoded answer (OK
// answers seen before are reused as bytes, write-check-response.ts).
import type * as grpc from '@grpc/grpc-js';
import type { Decide } from '../decide.js';
import { serviceDefinitions } from './grpc-services.js';
import { type CheckRequestWire, readCheckRequest } from './read-check-request.js';
import {
  type CheckResponseWire,
  createResponseEncoder,
  type EncodedCheckResponse,
} from './write-check-response.js';

export type CheckHandler = (
  call: grpc.ServerUnaryCall<CheckRequestWire, EncodedCheckResponse>,
  callback: grpc.sendUnaryData<EncodedCheckResponse>,
) => void;

/** `traceparent` and `tracestate` of the Check call (Envoy's ext_authz client span). */
function traceCarrier(md: grpc.Metadata): Record<string, string | undefined> {
  const value = (k: string) => {
    const v = md.get(k)[0];
    return typeof v === 'string' ? v : undefined;
  };
  return { traceparent: value('traceparent'), tracestate: value('tracestate') };
}

/** Milliseconds left before the call's deadline (Infinity when it has none). */
function timeLeft(call: grpc.ServerUnaryCall<unknown, unknown>): number {
  const deadline = call.getDeadline();
  return deadline instanceof Date
    ? deadline.getTime() - Date.now()
    : typeof deadline === 'number' && Number.isFinite(deadline)
      ? deadline - Date.now()
      : Infinity;
}

export function createCheckHandler(decide: Decide): CheckHandler {
  const checkMethod = serviceDefinitions().authorization.Check as grpc.MethodDefinition<
    CheckResponseWire,
    CheckResponseWire
  >;
  const encode = createResponseEncoder((wire) => checkMethod.responseSerialize(wire));
  return (call, callback) =>
    decide(
      () => readCheckRequest(call.request),
      () => timeLeft(call),
      (res, summary) => callback(null, encode(res, summary)),
      () => traceCarrier(call.metadata),
    );
}

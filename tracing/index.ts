// The tracing room: this file is its only door. OpenTelemetry tracing of our services
// (docs/tracing.md): off unless `otel_traces_exporter: otlp`. The SDK is imported only when
// tracing starts; while it is off every hook below is guarded by the one boolean `tracingOn`
// (no span objects, no context work).
export {
  bindCheckSpan,
  endCheckSpan,
  startCheckSpan,
  tracedStep,
} from './check-spans.js';
export { type ForwardAuthSpan, startForwardAuthSpan } from './forward-auth-spans.js';
export { tracedFetch, tracedHandler } from './http-spans.js';
export {
  applyTracing,
  flushTracing,
  startTracing,
  stopTracing,
  tracingOn,
} from './tracing-state.js';

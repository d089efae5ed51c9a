// The process-wide tracing switch and the lazily loaded SDK. `tracingOn` is a live binding:
// false until startTracing() has loaded the OpenTelemetry SDK and built the tracer provider.
import type { AsyncLocalStorage } from 'node:async_hooks';
import type * as Api from '@opentelemetry/api';
import type { TracingSettings } from '../config/index.js';

/** The one boolean every hook checks first. */
export let tracingOn = false;

export interface LoadedTracing {
  readonly api: typeof Api;
  readonly tracer: Api.Tracer;
  readonly propagator: Api.TextMapPropagator;
  /** The span of the request being handled (authn), for child spans of IdP calls. */
  readonly active: AsyncLocalStorage<Api.Context>;
  shutdown(): Promise<void>;
  flush(): Promise<void>;
}

export let loaded: LoadedTracing | undefined;

/**
 * Loads the SDK and starts exporting (OTLP over gRPC or HTTP/protobuf, batched). Sampling:
 * parent-based (Envoy decides for requests it traces), `ratio` for traces we start ourselves.
 */
export async function startTracing(
  settings: TracingSettings,
  serviceName = 'portcullis',
): Promise<void> {
  if (loaded !== undefined) return;
  const [api, sdk, core, resources, hooks] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('node:async_hooks'),
  ]);
  const headers = { ...settings.headers };
  let exporter: import('@opentelemetry/sdk-trace').SpanExporter;
  if (settings.protocol === 'grpc') {
    const [{ OTLPTraceExporter }, grpc] = await Promise.all([
      import('@opentelemetry/exporter-trace-otlp-grpc'),
      import('@grpc/grpc-js'),
    ]);
    const metadata = new grpc.Metadata();
    for (const [k, v] of Object.entries(headers)) metadata.set(k, v);
    const url = new URL(settings.url);
    exporter = new OTLPTraceExporter({
      url: settings.url,
      metadata,
      timeoutMillis: settings.timeoutMs,
      credentials:
        url.protocol === 'https:'
          ? grpc.credentials.createSsl()
          : grpc.credentials.createInsecure(),
    });
  } else {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-proto');
    exporter = new OTLPTraceExporter({
      url: settings.url,
      headers,
      timeoutMillis: settings.timeoutMs,
    });
  }
  const provider = new sdk.TracerProvider({
    resource: resources.resourceFromAttributes({
      'service.name': serviceName,
      ...settings.resourceAttributes,
    }),
    sampler: new sdk.ParentBasedSampler({
      root: new sdk.TraceIdRatioBasedSampler(settings.ratio),
    }),
    ...(settings.attributeValueLengthLimit === undefined
      ? {}
      : { spanLimits: { attributeValueLengthLimit: settings.attributeValueLengthLimit } }),
    spanProcessors: [
      new sdk.BatchSpanProcessor({
        exporter,
        scheduledDelayMillis: settings.scheduleDelayMs,
        maxExportBatchSize: settings.maxExportBatchSize,
        exportTimeoutMillis: settings.timeoutMs,
      }),
    ],
  });
  loaded = {
    api,
    tracer: provider.getTracer('portcullis'),
    propagator: new core.W3CTraceContextPropagator(),
    active: new hooks.AsyncLocalStorage<Api.Context>(),
    shutdown: () => provider.shutdown(),
    flush: () => provider.forceFlush(),
  };
  tracingOn = true;
}

/** Exports what is buffered and turns tracing off. */
export async function stopTracing(): Promise<void> {
  const t = loaded;
  tracingOn = false;
  loaded = undefined;
  await t?.shutdown().catch(() => undefined);
}

/** Exports the spans buffered so far (tests). */
export async function flushTracing(): Promise<void> {
  await loaded?.flush();
}

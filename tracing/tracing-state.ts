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
 * Does nothing when tracing is already on (applyTracing switches settings).
 */
export async function startTracing(
  settings: TracingSettings,
  serviceName = 'portcullis',
): Promise<void> {
  if (loaded !== undefined) return;
  await applyTracing(settings, serviceName);
}

/** The settings (and service name) the running tracer was built from. */
let appliedKey: string | undefined;
let activeStore: AsyncLocalStorage<Api.Context> | undefined;
/** applyTracing calls run one after the other (a reload may come while the SDK loads). */
let applying: Promise<unknown> = Promise.resolve();

/**
 * Makes tracing follow `settings` (a config reload, docs/tracing.md): undefined turns it off; new
 * settings build a new tracer provider, swap it in, then shut the old one down (which exports
 * what it buffered); the same settings change nothing. Resolves to what happened.
 */
export function applyTracing(
  settings: TracingSettings | undefined,
  serviceName = 'portcullis',
): Promise<'on' | 'off' | 'changed' | 'unchanged'> {
  const next = applying.then(async () => {
    const key = settings === undefined ? undefined : JSON.stringify([serviceName, settings]);
    if (key === appliedKey) return 'unchanged' as const;
    const old = loaded;
    if (settings === undefined) {
      tracingOn = false;
      loaded = undefined;
      appliedKey = undefined;
      await old?.shutdown().catch(() => undefined);
      return 'off' as const;
    }
    const built = await buildTracer(settings, serviceName);
    loaded = built;
    appliedKey = key;
    tracingOn = true;
    await old?.shutdown().catch(() => undefined);
    return old === undefined ? ('on' as const) : ('changed' as const);
  });
  applying = next.catch(() => undefined);
  return next;
}

async function buildTracer(settings: TracingSettings, serviceName: string): Promise<LoadedTracing> {
  const [api, sdk, core, resources, hooks] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('node:async_hooks'),
  ]);
  activeStore ??= new hooks.AsyncLocalStorage<Api.Context>();
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
  return {
    api,
    tracer: provider.getTracer('portcullis'),
    propagator: new core.W3CTraceContextPropagator(),
    // One store for every provider: a request in flight across a switch keeps its span.
    active: activeStore,
    shutdown: () => provider.shutdown(),
    flush: () => provider.forceFlush(),
  };
}

/** Exports what is buffered and turns tracing off. */
export async function stopTracing(): Promise<void> {
  await applyTracing(undefined);
}

/** Exports the spans buffered so far (tests). */
export async function flushTracing(): Promise<void> {
  await loaded?.flush();
}

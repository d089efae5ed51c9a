// Pomerium's OpenTelemetry tracing keys (docs/tracing.md): exporter otlp or none, the OTLP
// endpoint, protocol, headers and timeout (each also in its `_traces_` form, which wins), the
// sampling ratio, resource attributes, the attribute length limit and the batch settings.
// Header and attribute lists are `key=value` strings (or maps), as in OTEL_* variables.
import * as z from 'zod';
import { ciEnum, duration, fail, isHeaderName } from './schema-types.js';

/** `k=v` pairs as a list, one comma-separated string, or a map → a map. */
function keyValues(what: 'header' | 'attribute') {
  return z
    .union([z.string(), z.array(z.string()), z.record(z.string(), z.string())])
    .transform((v, ctx): Readonly<Record<string, string>> => {
      const pairs: [string, string][] = [];
      if (typeof v === 'object' && !Array.isArray(v)) pairs.push(...Object.entries(v));
      else {
        for (const item of (typeof v === 'string' ? v.split(',') : v).map((s) => s.trim())) {
          if (item === '') continue;
          const eq = item.indexOf('=');
          if (eq <= 0) {
            fail(ctx, 'invalid_value', `"${item}" is not key=value`);
            continue;
          }
          pairs.push([item.slice(0, eq).trim(), decodeURIComponent(item.slice(eq + 1).trim())]);
        }
      }
      if (what === 'header')
        for (const [k] of pairs)
          if (!isHeaderName(k)) fail(ctx, 'invalid_value', `"${k}" is not a valid header name`);
      return Object.fromEntries(pairs);
    });
}

/** OTLP endpoint: an http(s) URL (gRPC too: http:// is plain text, https:// is TLS). */
const endpoint = z.string().transform((v, ctx): string => {
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    fail(ctx, 'invalid_url', 'must be an http:// or https:// URL such as http://collector:4317');
    return v;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    fail(ctx, 'invalid_url', 'must be an http:// or https:// URL');
  return v;
});

const protocol = () =>
  ciEnum(['http/protobuf', 'grpc'] as const, { aliases: { http: 'http/protobuf' } });

/** A timeout: milliseconds as a number (as Pomerium and OTEL_* take it) or a duration string. */
const millis = () =>
  z.union([z.number().int().min(0), duration()]).transform((v): number => v as number);

export const otelShape = {
  otel_traces_exporter: ciEnum(['none', 'otlp'] as const)
    .optional()
    .describe('otlp exports traces (Envoy and every service); none (default) turns tracing off'),
  otel_traces_sampler_arg: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe('fraction of new traces sampled, 0 to 1 (default 1)'),
  otel_resource_attributes: keyValues('attribute')
    .optional()
    .describe('resource attributes added to every span (key=value list)'),
  otel_attribute_value_length_limit: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('longest span attribute value (longer ones are cut)'),
  otel_exporter_otlp_endpoint: endpoint
    .optional()
    .describe('OTLP collector URL (default http://localhost:4318, or :4317 for grpc)'),
  otel_exporter_otlp_traces_endpoint: endpoint
    .optional()
    .describe('OTLP traces URL (wins over otel_exporter_otlp_endpoint)'),
  otel_exporter_otlp_protocol: protocol().optional().describe('grpc or http/protobuf (default)'),
  otel_exporter_otlp_traces_protocol: protocol()
    .optional()
    .describe('grpc or http/protobuf for traces (wins over otel_exporter_otlp_protocol)'),
  otel_exporter_otlp_headers: keyValues('header')
    .optional()
    .describe('headers sent with every OTLP export (key=value list)'),
  otel_exporter_otlp_traces_headers: keyValues('header')
    .optional()
    .describe('headers sent with trace exports (wins over otel_exporter_otlp_headers)'),
  otel_exporter_otlp_timeout: millis()
    .optional()
    .describe('OTLP export timeout, ms or a duration (default 10s)'),
  otel_exporter_otlp_traces_timeout: millis()
    .optional()
    .describe('OTLP trace export timeout (wins over otel_exporter_otlp_timeout)'),
  otel_bsp_schedule_delay: millis()
    .optional()
    .describe('delay between two span batch exports, ms or a duration (default 5s)'),
  otel_bsp_max_export_batch_size: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe('most spans in one export (default 512)'),
};

/** The OTel keys this file implements (removed from the Pomerium-only list). */
export const OTEL_KEYS: readonly string[] = Object.keys(otelShape);

/** What the OTel keys resolve to when tracing is on (docs/tracing.md). */
export interface TracingSettings {
  readonly protocol: 'grpc' | 'http/protobuf';
  /** grpc: the collector's URL; http/protobuf: the full traces URL (…/v1/traces). */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Fraction of new traces sampled (Envoy samples; services follow the parent). */
  readonly ratio: number;
  readonly resourceAttributes: Readonly<Record<string, string>>;
  readonly attributeValueLengthLimit: number | undefined;
  readonly scheduleDelayMs: number;
  readonly maxExportBatchSize: number;
}

type OtelInput = { readonly [K in keyof typeof otelShape]?: z.output<(typeof otelShape)[K]> };

/** The tracing settings, or undefined when tracing is off (no exporter or `none`). */
export function resolveTracing(config: OtelInput): TracingSettings | undefined {
  if (config.otel_traces_exporter !== 'otlp') return undefined;
  const protocol =
    config.otel_exporter_otlp_traces_protocol ??
    config.otel_exporter_otlp_protocol ??
    'http/protobuf';
  const signal = config.otel_exporter_otlp_traces_endpoint;
  const base =
    config.otel_exporter_otlp_endpoint ??
    (protocol === 'grpc' ? 'http://localhost:4317' : 'http://localhost:4318');
  const url = signal ?? (protocol === 'grpc' ? base : `${base.replace(/\/+$/, '')}/v1/traces`);
  return {
    protocol,
    url,
    headers: {
      ...config.otel_exporter_otlp_headers,
      ...config.otel_exporter_otlp_traces_headers,
    },
    timeoutMs:
      config.otel_exporter_otlp_traces_timeout ?? config.otel_exporter_otlp_timeout ?? 10_000,
    ratio: config.otel_traces_sampler_arg ?? 1,
    resourceAttributes: config.otel_resource_attributes ?? {},
    attributeValueLengthLimit: config.otel_attribute_value_length_limit,
    scheduleDelayMs: config.otel_bsp_schedule_delay ?? 5000,
    maxExportBatchSize: config.otel_bsp_max_export_batch_size ?? 512,
  };
}

// The real OpenTelemetry Collector ($OTELCOL_BIN, built by scripts/setup/otelcol) as the OTLP
// receiver of tracing tests: otlp receiver on free loopback ports (gRPC and HTTP), file exporter
// writing OTLP JSON lines that spans() reads. Fails (never skips) with how to build it.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePorts } from './free-port.js';

export interface CollectedSpan {
  readonly service: string;
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: number;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** The resource attributes of the service that sent the span. */
  readonly resource: Readonly<Record<string, unknown>>;
}

export interface OtelCollector {
  readonly grpcPort: number;
  readonly httpPort: number;
  /** Every span the collector has written so far. */
  spans(): Promise<CollectedSpan[]>;
  close(): Promise<void>;
}

export function otelcolBin(): string {
  const bin = process.env.OTELCOL_BIN;
  if (bin === undefined || bin === '' || !existsSync(bin)) {
    throw new Error(
      'the OpenTelemetry Collector is needed for this test: run scripts/setup/otelcol (or scripts/setup-test-env) and source .test-env (OTELCOL_BIN)',
    );
  }
  return bin;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

type AnyValue = { stringValue?: string; intValue?: string; boolValue?: boolean };
type KV = { key: string; value: AnyValue };
const value = (v: AnyValue): unknown =>
  v.intValue !== undefined ? Number(v.intValue) : (v.stringValue ?? v.boolValue);
const attrs = (list: KV[] | undefined): Record<string, unknown> =>
  Object.fromEntries((list ?? []).map((a) => [a.key, value(a.value)]));

export async function startOtelCollector(): Promise<OtelCollector> {
  const bin = otelcolBin();
  const [grpcPort, httpPort] = await freePorts(2);
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-otelcol-'));
  const out = join(dir, 'traces.jsonl');
  const config = join(dir, 'config.yaml');
  await writeFile(
    config,
    `receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${grpcPort}
      http:
        endpoint: 127.0.0.1:${httpPort}
exporters:
  file:
    path: ${out}
    flush_interval: 100ms
service:
  telemetry:
    logs:
      level: warn
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [file]
`,
  );
  let output = '';
  const child: ChildProcess = spawn(bin, ['--config', `file:${config}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (c) => {
    output += String(c);
  });
  child.stderr?.on('data', (c) => {
    output += String(c);
  });
  const t0 = performance.now();
  while (!((await portOpen(grpcPort)) && (await portOpen(httpPort)))) {
    if (child.exitCode !== null || performance.now() - t0 > 30_000) {
      child.kill('SIGKILL');
      throw new Error(`the OpenTelemetry Collector did not start:\n${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    grpcPort,
    httpPort,
    async spans() {
      const written = await readFile(out, 'utf8').catch(() => '');
      const text = written.slice(0, written.lastIndexOf('\n') + 1); // whole lines only
      const spans: CollectedSpan[] = [];
      for (const line of text.split('\n')) {
        if (line.trim() === '') continue;
        const batch = JSON.parse(line) as {
          resourceSpans?: {
            resource?: { attributes?: KV[] };
            scopeSpans?: {
              spans?: {
                traceId: string;
                spanId: string;
                parentSpanId?: string;
                name: string;
                kind?: number;
                attributes?: KV[];
              }[];
            }[];
          }[];
        };
        for (const rs of batch.resourceSpans ?? []) {
          const resource = attrs(rs.resource?.attributes);
          const service = String(resource['service.name'] ?? '');
          for (const ss of rs.scopeSpans ?? [])
            for (const s of ss.spans ?? [])
              spans.push({
                service,
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? '',
                name: s.name,
                kind: s.kind ?? 0,
                attributes: attrs(s.attributes),
                resource,
              });
        }
      }
      return spans;
    },
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

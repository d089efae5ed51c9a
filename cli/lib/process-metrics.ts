// The process and Node runtime figures on /metrics (docs/observability.md "Metrics"), under the
// names Prometheus client libraries give them — `process_*` as Prometheus's process collector
// writes them, `nodejs_*` as the Node client does — so dashboards and alerts made for other Node
// services read ours. Made only when metrics_address is set: the event-loop delay monitor is the
// one thing here that runs between scrapes (a libuv timer every 20 ms).
import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { type Labels, metricFamily } from '../../wire/index.js';

export interface ProcessMetrics {
  /** The families in Prometheus text; the event-loop figures cover the time since the last call. */
  render(): string;
  close(): void;
}

const gauge = (name: string, help: string, value: number) =>
  metricFamily(name, 'gauge', help, [[{}, value]]);
const counter = (name: string, help: string, value: number) =>
  metricFamily(name, 'counter', help, [[{}, value]]);

/** Open file descriptors (Linux, /proc/self/fd), or null elsewhere. */
function openFds(): number | null {
  try {
    return readdirSync('/proc/self/fd').length - 1; // less the one readdir opened
  } catch {
    return null;
  }
}

export function createProcessMetrics(): ProcessMetrics {
  const startedAt = Math.round(Date.now() / 1000 - process.uptime());
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  return {
    render() {
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      const spaces = getHeapSpaceStatistics();
      const space = (s: { space_name: string }): Labels => ({
        space: s.space_name.replace(/_space$/, ''),
      });
      const fds = openFds();
      // nanoseconds → seconds; no sample yet reads 0
      const lag = (v: number) => (Number.isFinite(v) && delay.count > 0 ? v / 1e9 : 0);
      const lines = [
        ...counter(
          'process_cpu_user_seconds_total',
          'user CPU time of the process',
          cpu.user / 1e6,
        ),
        ...counter(
          'process_cpu_system_seconds_total',
          'system CPU time of the process',
          cpu.system / 1e6,
        ),
        ...counter(
          'process_cpu_seconds_total',
          'user and system CPU time of the process',
          (cpu.user + cpu.system) / 1e6,
        ),
        ...gauge('process_resident_memory_bytes', 'resident memory of the process', mem.rss),
        ...gauge('process_start_time_seconds', 'when the process started (Unix time)', startedAt),
        ...(fds === null ? [] : gauge('process_open_fds', 'open file descriptors', fds)),
        ...gauge('nodejs_heap_size_total_bytes', 'V8 heap reserved', mem.heapTotal),
        ...gauge('nodejs_heap_size_used_bytes', 'V8 heap in use', mem.heapUsed),
        ...gauge(
          'nodejs_external_memory_bytes',
          'memory of JavaScript objects held outside the V8 heap (buffers)',
          mem.external,
        ),
        ...metricFamily(
          'nodejs_heap_space_size_used_bytes',
          'gauge',
          'V8 heap in use, by space',
          spaces.map((s) => [space(s), s.space_used_size] as const),
        ),
        ...metricFamily(
          'nodejs_heap_space_size_total_bytes',
          'gauge',
          'V8 heap reserved, by space',
          spaces.map((s) => [space(s), s.space_size] as const),
        ),
        ...gauge(
          'nodejs_eventloop_lag_p99_seconds',
          '99th percentile of the event-loop delay since the last scrape',
          lag(delay.percentile(99)),
        ),
        ...gauge(
          'nodejs_eventloop_lag_max_seconds',
          'longest event-loop delay since the last scrape',
          lag(delay.max),
        ),
      ];
      delay.reset();
      return `${lines.join('\n')}\n`;
    },
    close() {
      delay.disable();
    },
  };
}

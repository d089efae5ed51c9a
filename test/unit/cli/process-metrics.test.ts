// The process and runtime families of /metrics (cli/lib/process-metrics.ts): the names other
// Prometheus clients use, values that follow the process, and event-loop figures per scrape.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createProcessMetrics } from '../../../cli/lib/process-metrics.js';

/** name{labels} → value of every sample, and the TYPE of every family. */
function parse(text: string): { samples: Map<string, number>; types: Map<string, string> } {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { samples, types };
}

test('the process families carry the names and types Prometheus clients use', () => {
  const metrics = createProcessMetrics();
  try {
    const { samples, types } = parse(metrics.render());
    const expected: [string, string][] = [
      ['process_cpu_user_seconds_total', 'counter'],
      ['process_cpu_system_seconds_total', 'counter'],
      ['process_cpu_seconds_total', 'counter'],
      ['process_resident_memory_bytes', 'gauge'],
      ['process_start_time_seconds', 'gauge'],
      ['process_open_fds', 'gauge'],
      ['nodejs_heap_size_total_bytes', 'gauge'],
      ['nodejs_heap_size_used_bytes', 'gauge'],
      ['nodejs_external_memory_bytes', 'gauge'],
      ['nodejs_heap_space_size_used_bytes', 'gauge'],
      ['nodejs_heap_space_size_total_bytes', 'gauge'],
      ['nodejs_eventloop_lag_p99_seconds', 'gauge'],
      ['nodejs_eventloop_lag_max_seconds', 'gauge'],
    ];
    assert.deepEqual([...types], expected);
    for (const [name, value] of samples) assert.ok(Number.isFinite(value), `${name} ${value}`);
    assert.ok(samples.get('nodejs_heap_size_used_bytes')! > 1_000_000);
    assert.ok(
      samples.get('process_resident_memory_bytes')! >= samples.get('nodejs_heap_size_used_bytes')!,
    );
    assert.ok(samples.has('nodejs_heap_space_size_used_bytes{space="new"}'));
    assert.ok(samples.has('nodejs_heap_space_size_used_bytes{space="old"}'));
    const started = samples.get('process_start_time_seconds')!;
    assert.ok(Math.abs(started - (Date.now() / 1000 - process.uptime())) <= 1);
  } finally {
    metrics.close();
  }
});

test('CPU counters grow with work and the event-loop delay of a blocked loop shows once', async () => {
  const metrics = createProcessMetrics();
  try {
    const before = parse(metrics.render()).samples;
    await sleep(50); // the monitor's timer runs
    const until = Date.now() + 120;
    while (Date.now() < until); // block the loop
    await sleep(50);
    const after = parse(metrics.render()).samples;
    assert.ok(
      after.get('process_cpu_seconds_total')! > before.get('process_cpu_seconds_total')!,
      'CPU time grew',
    );
    assert.ok(after.get('nodejs_eventloop_lag_max_seconds')! >= 0.09, 'the blocked loop is seen');
    // rendered again at once: no delay was measured since the last scrape
    const next = parse(metrics.render()).samples;
    assert.equal(next.get('nodejs_eventloop_lag_max_seconds'), 0);
    assert.equal(next.get('nodejs_eventloop_lag_p99_seconds'), 0);
  } finally {
    metrics.close();
  }
});

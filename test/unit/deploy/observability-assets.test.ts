// deploy/observability/: the Grafana dashboard and the Prometheus alert rules use only metrics
// that docs/observability.md lists (and test/e2e/observability.test.ts finds on /metrics).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { repoRoot } from '../../helpers/config-fixtures.js';

const root = repoRoot();

function documented(): Set<string> {
  const text = readFileSync(join(root, 'docs', 'observability.md'), 'utf8');
  const section = text.slice(text.indexOf('## Metrics'));
  return new Set([...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!));
}

/**
 * Metric names in a PromQL expression (label matchers and `by (…)` lists removed first;
 * histogram series mapped to their family).
 */
function metricsIn(expr: string): string[] {
  const bare = expr.replace(/\{[^}]*\}/g, '').replace(/\b(?:by|without)\s*\([^)]*\)/g, '');
  return [...bare.matchAll(/\b((?:portcullis|envoy)_[a-z0-9_]+)/g)].map((m) =>
    m[1]!.replace(/_(bucket|sum|count)$/, ''),
  );
}

test('every metric the Grafana dashboard queries is documented', () => {
  const dash = JSON.parse(
    readFileSync(join(root, 'deploy', 'observability', 'grafana-dashboard.json'), 'utf8'),
  ) as { panels: { title: string; targets: { expr: string }[] }[] };
  const known = documented();
  const used = dash.panels.flatMap((p) => p.targets.flatMap((t) => metricsIn(t.expr)));
  assert.ok(used.length > 10);
  for (const m of used) assert.ok(known.has(m), `${m} (dashboard) is in docs/observability.md`);
});

test('every metric the alert rules use is documented', () => {
  const rules = parse(
    readFileSync(join(root, 'deploy', 'observability', 'alerts.yaml'), 'utf8'),
  ) as { groups: { rules: { alert: string; expr: string }[] }[] };
  const known = documented();
  const used = rules.groups.flatMap((g) => g.rules.flatMap((r) => metricsIn(r.expr)));
  assert.ok(used.length >= 6);
  for (const m of used) assert.ok(known.has(m), `${m} (alerts) is in docs/observability.md`);
});

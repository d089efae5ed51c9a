// Config figures: load + validate of the 10,000-route configuration (YAML and the same config as
// JSON), median of several runs; the YAML parse share is reported separately.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { loadConfigFile } from '../config/index.js';
import { generateRoutesConfig } from '../examples/generate-routes.js';
import type { BenchResult } from './run.js';

const RUNS = 7;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function time(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export default async function bench(): Promise<BenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-config-bench-'));
  try {
    const yamlText = generateRoutesConfig(10_000);
    const yamlFile = join(dir, 'routes-10k.yaml');
    const jsonFile = join(dir, 'routes-10k.json');
    await writeFile(yamlFile, yamlText);
    await writeFile(jsonFile, JSON.stringify(parseDocument(yamlText).toJS()));
    const yamlRuns: number[] = [];
    const jsonRuns: number[] = [];
    const parseRuns: number[] = [];
    await loadConfigFile(yamlFile, { env: {} }); // warm-up
    for (let i = 0; i < RUNS; i++) {
      yamlRuns.push(await time(() => loadConfigFile(yamlFile, { env: {} })));
      jsonRuns.push(await time(() => loadConfigFile(jsonFile, { env: {} })));
      parseRuns.push(await time(() => parseDocument(yamlText)));
    }
    const figures = {
      load_validate_10k_ms: Math.round(median(yamlRuns)),
      load_validate_10k_json_ms: Math.round(median(jsonRuns)),
      yaml_parse_10k_ms: Math.round(median(parseRuns)),
      config_bytes_10k: yamlText.length,
    };
    const table = [
      `10,000 routes, ${(yamlText.length / 1e6).toFixed(1)} MB of YAML, median of ${RUNS} runs`,
      `  load + validate (YAML): ${figures.load_validate_10k_ms} ms (of which YAML parsing ${figures.yaml_parse_10k_ms} ms)`,
      `  load + validate (JSON): ${figures.load_validate_10k_json_ms} ms`,
    ].join('\n');
    return {
      figures,
      goals: { load_validate_10k_ms: { max: 1000 } },
      table,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// The production image, checked statically (no image registry here to build from): the Dockerfile's
// last stage carries production dependencies only, the runtime rooms of dist/ and nothing else,
// runs as a non-root user with a HEALTHCHECK and OCI labels, on Node 24; every `npm ci` is
// followed by a check that the install happened. And the HEALTHCHECK script answers truthfully.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { repoRoot } from '../../helpers/config-fixtures.js';
import { RUNTIME_ROOMS } from '../../helpers/runtime-rooms.js';

interface Stage {
  name: string;
  from: string;
  /** Instructions with line continuations joined, e.g. "COPY --from=build /app/x x". */
  lines: string[];
}

function stages(): { args: Map<string, string>; stages: Stage[] } {
  const text = readFileSync(join(repoRoot(), 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const args = new Map<string, string>();
  const out: Stage[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim().replace(/\s+/g, ' ');
    if (line === '' || line.startsWith('#')) continue;
    const from = /^FROM (\S+)(?: AS (\S+))?$/i.exec(line);
    if (from !== null) {
      out.push({ from: from[1] as string, name: from[2] ?? String(out.length), lines: [] });
      continue;
    }
    const arg = /^ARG (\w+)=(\S+)$/.exec(line);
    if (arg !== null && out.length === 0) args.set(arg[1] as string, arg[2] as string);
    out.at(-1)?.lines.push(line);
  }
  return { args, stages: out };
}

const { args, stages: all } = stages();
const runtime = all.at(-1) as Stage;
const byName = new Map(all.map((s) => [s.name, s]));
const ofKind = (stage: Stage, kind: string): string[] =>
  stage.lines.filter((l) => l.toUpperCase().startsWith(`${kind} `));

test('every stage builds on the Node 24 LTS slim image or on an earlier stage', () => {
  for (const [i, stage] of all.entries()) {
    if (all.slice(0, i).some((s) => s.name === stage.from)) continue;
    const image = stage.from.replace(/^\$\{(\w+)\}$/, (_, name: string) => args.get(name) ?? '');
    assert.equal(image, 'node:24-bookworm-slim', `stage ${stage.name}`);
  }
});

test('the production stage is the last one, so a plain docker build gives it', () => {
  assert.equal(runtime.name, 'runtime');
});

/** The production stage's `COPY --from=STAGE SRC DEST` lines. */
const runtimeCopies = ofKind(runtime, 'COPY').map((l) => {
  const m = /^COPY --from=(\S+) (\S+) (\S+)$/.exec(l);
  assert.ok(m, `the production stage copies only from other stages: ${l}`);
  return { from: m[1] as string, src: m[2] as string, line: l };
});

test('the production stage takes node_modules only from a stage that installed with --omit=dev', () => {
  const whole = runtimeCopies.filter((c) => c.src === '/app/' || /node_modules/.test(c.src));
  assert.equal(whole.length, 1, whole.map((c) => c.line).join('\n'));
  const installs = ofKind(byName.get(whole[0]!.from) as Stage, 'RUN').join(' ');
  assert.match(installs, /npm ci --omit=dev/);
  assert.doesNotMatch(installs.replace(/npm ci --omit=dev/g, ''), /npm (ci|install)\b/);
  // Whatever else it copies is the build stage's /out, which holds no node_modules.
  for (const c of runtimeCopies.filter((x) => x !== whole[0])) {
    assert.equal(c.src, '/out/', c.line);
    const fills = ofKind(byName.get(c.from) as Stage, 'RUN').filter((l) => l.includes('/out'));
    assert.doesNotMatch(fills.join(' '), /node_modules/);
  }
});

test('every npm ci is followed by a check that the packages are really there', () => {
  for (const stage of all) {
    for (const run of ofKind(stage, 'RUN').filter((l) => /npm ci\b/.test(l))) {
      assert.match(run, /npm ci[^&]*&& npm ls\b/, `stage ${stage.name}: ${run}`);
    }
  }
});

test('the production stage ships the runtime rooms of dist/ and no tests, bench or examples', () => {
  const out = runtimeCopies.find((c) => c.src === '/out/');
  assert.ok(out, "the production stage copies the build stage's /out");
  const fills = ofKind(byName.get(out.from) as Stage, 'RUN').join(' ');
  const cp = /cp -r ((?:dist\/\S+ )+)\/out\/dist\//.exec(fills);
  assert.ok(cp, `the build stage copies dist rooms into /out/dist/: ${fills}`);
  const rooms = (cp[1] as string)
    .trim()
    .split(' ')
    .map((r) => r.replace(/^dist\//, ''))
    .sort();
  assert.deepEqual(rooms, [...RUNTIME_ROOMS].sort());
  const others = fills.replace(cp[0], '').match(/\bcp(?: [^&\s]+)+? \/out\/\S*/g) ?? [];
  assert.deepEqual(
    others,
    ['cp -r --parents protos/vendor /out/'],
    'besides the rooms, only the vendored protos',
  );
  for (const l of [...runtimeCopies.map((c) => c.line), ...others]) {
    assert.doesNotMatch(l, /\b(test|bench|examples|scripts)\b/, l);
  }
});

test('the production stage runs as a non-root user with a HEALTHCHECK and OCI labels', () => {
  const users = ofKind(runtime, 'USER');
  assert.equal(users.length, 1);
  assert.doesNotMatch(users[0] as string, /^USER (root|0)(:|$)/);
  const health = ofKind(runtime, 'HEALTHCHECK').join(' ');
  assert.match(health, /CMD \["node", "\/app\/dist\/cli\/healthcheck\.js"\]/);
  const labels = ofKind(runtime, 'LABEL').join(' ');
  for (const key of ['title', 'description', 'version', 'revision', 'licenses', 'source']) {
    assert.match(labels, new RegExp(`org\\.opencontainers\\.image\\.${key}=`), key);
  }
  assert.match(ofKind(runtime, 'ENTRYPOINT').join(' '), /dist\/cli\/portcullis\.mjs/);
});

test("the compose file's Portcullis services serve /metrics where the image's HEALTHCHECK looks", () => {
  const envLine = ofKind(runtime, 'ENV').find((l) => l.includes('PORTCULLIS_HEALTHCHECK_URL='));
  const url = new URL(/PORTCULLIS_HEALTHCHECK_URL=(\S+)/.exec(envLine ?? '')?.[1] ?? 'http://x');
  assert.equal(url.pathname, '/metrics');
  const doc = parse(readFileSync(join(repoRoot(), 'docker-compose.yml'), 'utf8'), {
    merge: true,
  }) as { services: Record<string, { environment?: Record<string, string> }> };
  const ours = Object.entries(doc.services).filter(([, s]) => s.environment?.SERVICES);
  assert.ok(ours.length >= 4);
  for (const [name, s] of ours) {
    assert.equal(s.environment?.METRICS_ADDRESS, url.host, name);
  }
});

const here = fileURLToPath(import.meta.url);
const healthcheck = here.endsWith('.ts')
  ? join(repoRoot(), 'cli', 'healthcheck.ts')
  : join(dirname(here), '..', '..', '..', 'cli', 'healthcheck.js');

function probe(url: string): Promise<{ code: number | null; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...process.execArgv, healthcheck], {
      env: { PATH: process.env.PATH ?? '', PORTCULLIS_HEALTHCHECK_URL: url },
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.on('close', (code) => resolve({ code, err }));
  });
}

async function serve(status: number, body: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => res.writeHead(status).end(body));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

test('the HEALTHCHECK passes only when /metrics says portcullis_ready 1 or /healthz answers 200', async () => {
  const cases: [number, string, string, number][] = [
    [200, 'portcullis_ready 1\n', '/metrics', 0],
    [200, 'portcullis_ready 0\nportcullis_not_ready{condition="envoy"} 1\n', '/metrics', 1],
    [200, '', '/metrics', 1],
    [401, 'portcullis_ready 1\n', '/metrics', 1],
    [200, 'ok', '/healthz', 0],
    [503, 'databroker: unreachable', '/healthz', 1],
  ];
  for (const [status, body, path, want] of cases) {
    const { url, server } = await serve(status, body);
    try {
      const r = await probe(url + path);
      assert.equal(r.code, want, `${status} ${path} ${JSON.stringify(body)}: ${r.err}`);
      if (want === 1) assert.match(r.err, /^unhealthy: /);
    } finally {
      server.close();
    }
  }
  const { url, server } = await serve(200, '');
  server.close();
  assert.equal((await probe(`${url}/metrics`)).code, 1, 'nothing listening: unhealthy');
});

// The image with Envoy inside (Dockerfile.envoy), checked statically like the production image:
// Envoy comes from its official release image in a build stage (only the binary is copied), the
// result is the production image plus that binary, supervised through ENVOY_BIN, non-root, with
// the HEALTHCHECK.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { repoRoot } from '../../helpers/config-fixtures.js';

const text = readFileSync(join(repoRoot(), 'Dockerfile.envoy'), 'utf8').replace(/\\\n/g, ' ');
const lines = text
  .split('\n')
  .map((l) => l.trim().replace(/\s+/g, ' '))
  .filter((l) => l !== '' && !l.startsWith('#'));
const args = new Map(
  lines.flatMap((l) => {
    const m = /^ARG (\w+)=(\S+)$/.exec(l);
    return m ? [[m[1]!, m[2]!] as const] : [];
  }),
);
const froms = lines.filter((l) => l.startsWith('FROM '));
const last = lines.slice(lines.lastIndexOf(froms.at(-1)!));

test('Envoy comes from its official v1.40 release image in a build stage', () => {
  assert.match(args.get('ENVOY_IMAGE') ?? '', /^envoyproxy\/envoy:v1\.40\.\d+$/);
  assert.ok(froms.includes(`FROM \${ENVOY_IMAGE} AS envoy`));
  assert.ok(last.includes('COPY --from=envoy /usr/local/bin/envoy /usr/local/bin/envoy'));
  assert.equal(last.filter((l) => l.startsWith('COPY')).length, 1, 'only the binary is copied');
});

test('the Envoy image is the production image plus Envoy, supervised, non-root, with a HEALTHCHECK', () => {
  assert.equal(args.get('PORTCULLIS_IMAGE'), 'portcullis:dev');
  assert.equal(froms.at(-1), `FROM \${PORTCULLIS_IMAGE} AS runtime`);
  assert.ok(last.includes('ENV ENVOY_BIN=/usr/local/bin/envoy'));
  assert.ok(last.includes('USER node'));
  assert.ok(
    last.some((l) =>
      /^HEALTHCHECK .* CMD \["node", "\/app\/dist\/cli\/healthcheck\.js"\]$/.test(l),
    ),
  );
  assert.ok(last.includes('ENTRYPOINT ["node", "/app/dist/cli/portcullis.mjs"]'));
  assert.ok(
    !last.some((l) => /^RUN /.test(l)),
    'nothing is installed on top of the production image',
  );
});

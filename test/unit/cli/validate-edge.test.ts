// `portcullis validate` refuses each edge mistake of issue 11 with file:line:column and key
// path, and warns (exit 0) about a route that an earlier route on its host shadows.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { repoRoot, tempDir } from '../../helpers/config-fixtures.js';

const here = fileURLToPath(import.meta.url);
const mainFile = here.endsWith('.ts')
  ? join(repoRoot(), 'cli', 'main.ts')
  : join(dirname(here), '..', '..', '..', 'cli', 'main.js');

function validate(yaml: string): Promise<{ code: number; err: string; file: string }> {
  const file = join(tempDir(), 'edge.yaml');
  writeFileSync(file, yaml);
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...process.execArgv, mainFile, 'validate', '-c', file],
      { env: { PATH: process.env.PATH ?? '' } },
      (error, _out, err) => {
        if (error !== null && typeof error.code !== 'number') reject(error);
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, err, file });
      },
    );
  });
}

const HEAD = 'authenticate_service_url: https://auth.example.com\n';
/** What authn needs to start (validate runs its prepare phase), appended so lines stay put. */
const IDP = 'idp_provider_url: https://idp.example.com\nidp_client_id: c\nidp_client_secret: s\n';

// [what, YAML after HEAD, expected "line:column: key path", message fragment]
const CASES: [string, string, string, RegExp][] = [
  [
    'a set_request_headers name with CR/LF',
    'routes:\n  - from: https://a.example.com\n    to: http://a\n    set_request_headers:\n      "X-A\\r\\nX-B": "1"\n',
    '6:7: routes[0].set_request_headers.X-A\\r\\nX-B',
    /not a valid header name/,
  ],
  [
    'a set_request_headers value with CR/LF',
    'routes:\n  - from: https://a.example.com\n    to: http://a\n    set_request_headers:\n      X-A: "1\\r\\nX-B: 2"\n',
    '6:12: routes[0].set_request_headers.X-A',
    /CR, LF or NUL/,
  ],
  [
    'a set_request_headers value with NUL',
    'routes:\n  - from: https://a.example.com\n    to: http://a\n    set_request_headers:\n      X-A: "1\\0"\n',
    '6:12: routes[0].set_request_headers.X-A',
    /CR, LF or NUL/,
  ],
  [
    'a remove_request_headers name with a newline',
    'routes:\n  - from: https://a.example.com\n    to: http://a\n    remove_request_headers: ["X-A\\nB"]\n',
    '5:30: routes[0].remove_request_headers[0]',
    /not a valid header name/,
  ],
  [
    'a pseudo-header override',
    'routes:\n  - from: https://a.example.com\n    to: http://a\n    set_request_headers:\n      ":authority": evil.example.com\n',
    '6:7: routes[0].set_request_headers.:authority',
    /pseudo-header/,
  ],
  [
    'a Host override',
    'routes:\n  - from: https://a.example.com\n    to: http://a\n    set_request_headers:\n      Host: evil.example.com\n',
    '6:7: routes[0].set_request_headers.Host',
    /host settings/,
  ],
  [
    'a hop-by-hop header removed',
    'routes:\n  - from: https://a.example.com\n    to: http://a\n    remove_request_headers: [Transfer-Encoding]\n',
    '5:30: routes[0].remove_request_headers[0]',
    /connection/,
  ],
  [
    'a response header with a newline',
    'set_response_headers:\n  X-A: "a\\nb"\n',
    '3:8: set_response_headers.X-A',
    /CR, LF or NUL/,
  ],
  [
    'a wildcard-only from',
    'routes:\n  - from: https://*\n    to: http://a\n',
    '3:11: routes[0].from',
    /only of wildcards/,
  ],
  [
    'a metadata upstream',
    'routes:\n  - from: https://a.example.com\n    to: http://169.254.169.254/latest/meta-data\n',
    '4:9: routes[0].to',
    /allow_link_local_upstream/,
  ],
  [
    'a metadata upstream in a list',
    'routes:\n  - from: https://a.example.com\n    to: [http://b.example.com, "http://metadata.google.internal"]\n',
    '4:32: routes[0].to[1]',
    /metadata/,
  ],
  [
    'a bare string for allowed_users',
    'routes:\n  - from: https://a.example.com\n    to: http://a\n    allowed_users: alice\n',
    '5:20: routes[0].allowed_users',
    /must be a list/,
  ],
  [
    'a bare string for allowed_domains',
    'routes:\n  - from: https://a.example.com\n    to: http://a\n    allowed_domains: example.com\n',
    '5:22: routes[0].allowed_domains',
    /must be a list/,
  ],
  [
    'a claim header that overrides Host',
    'jwt_claims_headers:\n  Host: email\n',
    '3:3: jwt_claims_headers.Host',
    /host settings/,
  ],
  ['an invalid cookie_name', 'cookie_name: "my cookie;"\n', '2:14: cookie_name', /cookie name/],
  [
    'an internal address that is not a CIDR',
    'internal_address_cidrs: [10.0.0.0/33]\n',
    '2:26: internal_address_cidrs[0]',
    /CIDR/,
  ],
];

for (const [what, yaml, where, message] of CASES) {
  test(`validate refuses ${what} with its position and key path`, async () => {
    const r = await validate(HEAD + yaml);
    assert.equal(r.code, 1, r.err);
    const line = r.err.split('\n').find((l) => l.startsWith(`${r.file}:`)) ?? '';
    assert.equal(
      line.slice(r.file.length + 1, r.file.length + 1 + where.length + 1),
      `${where}:`,
      r.err,
    );
    assert.match(line, message);
  });
}

test('validate accepts a link-local upstream the route allows', async () => {
  const r = await validate(
    `${HEAD}routes:\n  - from: https://a.example.com\n    to: http://169.254.169.254\n    allow_link_local_upstream: true\n    allow_public_unauthenticated_access: true\n${IDP}`,
  );
  assert.equal(r.code, 0, r.err);
});

test('validate warns about a route shadowed by an earlier one, naming both and their lines', async () => {
  const r = await validate(
    `${HEAD}routes:\n  - from: https://a.example.com\n    to: http://a\n    allow_public_unauthenticated_access: true\n  - from: https://a.example.com\n    prefix: /admin\n    to: http://b\n    allowed_users: [admin@example.com]\n${IDP}`,
  );
  assert.equal(r.code, 0, r.err);
  const warning = r.err.split('\n').find((l) => l.includes('never reached')) ?? '';
  assert.match(warning, /^warning: .*:6:5: routes\[1\]: /);
  assert.match(warning, /routes\[1\] \(prefix \/admin, line 6\)/);
  assert.match(warning, /routes\[0\] \(prefix \/, line 3\)/);
});

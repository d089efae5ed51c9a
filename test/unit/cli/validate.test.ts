import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { repoRoot, tempDir } from '../../helpers/config-fixtures.js';

const here = fileURLToPath(import.meta.url);
/** cli/main.ts under tsx, dist/cli/main.js when compiled. */
const mainFile = here.endsWith('.ts')
  ? join(repoRoot(), 'cli', 'main.ts')
  : join(dirname(here), '..', '..', '..', 'cli', 'main.js');

/** Runs `portcullis ARGS` in a child process and captures its exit code, stdout and stderr. */
function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...process.execArgv, mainFile, ...args],
      { env: { PATH: process.env.PATH ?? '' } },
      (error, out, err) => {
        if (error !== null && typeof error.code !== 'number') reject(error);
        else resolve({ code: typeof error?.code === 'number' ? error.code : 0, out, err });
      },
    );
  });
}

const THREE_MISTAKES = `authenticate_service_url: https://auth.example.com
shared_secert: abc
routes:
  - from: https://app.example.com
    to: "http//app:8080"
    prefix_rewrite: /a
    regex_rewrite_pattern: ^/b
`;

test('validate exits 0 with a summary for the quickstart config', async () => {
  const r = await run(['validate', '-c', join(repoRoot(), 'examples/quickstart/config.yaml')]);
  assert.equal(r.code, 0);
  assert.match(r.out, /valid \(3 routes\)/);
});

test('validate prints three positioned problems and exits 1 for the three-mistakes file', async () => {
  const file = join(tempDir(), 'bad.yaml');
  writeFileSync(file, THREE_MISTAKES);
  const r = await run(['validate', '-c', file]);
  assert.equal(r.code, 1);
  const lines = r.err.trim().split('\n');
  assert.deepEqual(
    lines
      .slice(0, 3)
      .map((l) => l.slice(file.length).split(': ')[0] + ': ' + l.slice(file.length).split(': ')[1]),
    [':2:1: shared_secert', ':5:9: routes[0].to[0]', ':7:5: routes[0].regex_rewrite_pattern'],
  );
  assert.match(lines[0]!, /did you mean "shared_secret"/);
  assert.equal(lines[3], '3 problems found');
});

const usage: [string, string[], number][] = [
  ['no file', ['validate'], 2],
  ['an unknown option', ['validate', '--nope'], 2],
  ['-c without a value', ['validate', '-c'], 2],
  ['--help', ['validate', '--help'], 0],
  ['a missing file', ['validate', '-c', '/nonexistent/portcullis.yaml'], 1],
];
for (const [what, args, code] of usage) {
  test(`validate with ${what} exits ${code}`, async () => {
    assert.equal((await run(args)).code, code);
  });
}

test('validate runs the prepare phase start runs: a config authorize refuses is refused, naming it and the position', async () => {
  const file = join(tempDir(), 'san.yaml');
  writeFileSync(
    file,
    `authenticate_service_url: https://auth.example.com
idp_provider_url: https://idp.example.com
idp_client_id: c
idp_client_secret: s
downstream_mtls:
  match_subject_alt_names:
    - email: "(unclosed"
routes:
  - from: https://app.example.com
    to: http://127.0.0.1:9
    allow_any_authenticated_user: true
`,
  );
  const r = await run(['validate', '-c', file]);
  assert.equal(r.code, 1, r.out + r.err);
  assert.match(
    r.err,
    /refused by authorize: .*san\.yaml:7:5: downstream_mtls\.match_subject_alt_names/,
  );
});

/** Configs `validate` used to pass that `start` refused or Envoy NACKed (issue 14). */
const START_OR_ENVOY_REFUSED: readonly {
  name: string;
  global?: string;
  route?: string;
  where: RegExp;
}[] = [
  {
    name: 'a SAN matcher RE2 does not accept (lookahead)',
    global: 'downstream_mtls:\n  match_subject_alt_names:\n    - email: "(?=a).*@example\\\\.com"',
    where:
      /refused by authorize: .*:7:5: downstream_mtls\.match_subject_alt_names\.email: not an RE2.*lookaround/,
  },
  {
    name: 'a SAN matcher with a backreference',
    global: 'downstream_mtls:\n  match_subject_alt_names:\n    - dns: "(a)\\\\1"',
    where:
      /refused by authorize: .*downstream_mtls\.match_subject_alt_names\.dns: .*backreferences/,
  },
  {
    name: 'a client CA that is not a certificate',
    global: 'downstream_mtls:\n  ca: bm90IGEgY2VydA==',
    where: /:6:7: downstream_mtls\.ca: cannot read the client CA bundle/,
  },
  {
    name: 'an upstream CA that is not a certificate',
    global: 'certificate_authority: bm90IGEgY2VydA==',
    where: /:5:24: certificate_authority: is not a PEM certificate/,
  },
  {
    name: "a route's custom CA that is not a certificate",
    route: '    tls_custom_ca: "-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----"',
    where: /routes\[0\]\.tls_custom_ca: certificate 1 does not parse/,
  },
  {
    name: 'a repetition Envoy refuses (x{1001})',
    route: '    regex: "^/x{1001}$"',
    where:
      /routes\[0\]\.regex: is not a valid RE2 regular expression: bad repetition operator: \{1001\} \(at character 4\)/,
  },
  {
    name: 'a regex whose RE2 program is too large for Envoy',
    route: '    regex: "^/(abc){300}$"',
    where: /routes\[0\]\.regex: .*RE2 program too large/,
  },
  {
    name: 'a header name with CR/LF',
    route: '    set_request_headers:\n      "X-A\\r\\nX-B": "1"',
    where: /routes\[0\]\.set_request_headers.*"X-A\?\?X-B" is not a valid header name/,
  },
  {
    name: 'a header value with CR/LF',
    route: '    set_request_headers:\n      X-A: "1\\r\\nX-B: 2"',
    where: /routes\[0\]\.set_request_headers\.X-A: a header value cannot contain CR, LF or NUL/,
  },
];

for (const c of START_OR_ENVOY_REFUSED) {
  test(`validate refuses ${c.name}, with its position`, async () => {
    const file = join(tempDir(), 'refused.yaml');
    writeFileSync(
      file,
      `authenticate_service_url: https://auth.example.com
idp_provider_url: https://idp.example.com
idp_client_id: c
idp_client_secret: s
${c.global ?? ''}
routes:
  - from: https://app.example.com
    to: https://127.0.0.1:9
    allow_any_authenticated_user: true
${c.route ?? ''}
`,
    );
    const r = await run(['validate', '-c', file]);
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.err, c.where);
  });
}
test('validate --compat prints each key status and exits 0 for a Pomerium config that will run', async () => {
  const dir = tempDir();
  const file = join(dir, 'pomerium.yaml');
  writeFileSync(
    file,
    `authenticate_service_url: https://auth.example.com
dns_lookup_family: V4_ONLY
cookie_same_site: lax
idp_provider_url: https://idp.example.com
idp_client_id: c
idp_client_secret: s
routes:
  - from: https://app.example.com
    to: http://app.internal
    allow_websockets: true
    mcp:
      server: {}
`,
  );
  const r = await run(['validate', '--compat', '-c', file]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^authenticate_service_url\s+implemented/m);
  assert.match(r.out, /^dns_lookup_family\s+warned\s+not implemented \(Pomerium/m);
  assert.match(r.out, /^cookie_same_site\s+difference/m);
  assert.match(r.out, /^routes\[\]\.allow_websockets\s+implemented/m);
  assert.match(r.out, /^routes\[\]\.mcp\s+warned/m);
  assert.match(r.out, /valid \(1 route\) — it will run/);
  assert.match(r.err, /warning: .*dns_lookup_family: is a Pomerium setting/);
});

test('validate refuses a key nobody knows unless --allow-unknown-keys', async () => {
  const dir = tempDir();
  const file = join(dir, 'unknown.yaml');
  writeFileSync(
    file,
    'authenticate_service_url: https://auth.example.com\nidp_provider_url: https://idp.example.com\nidp_client_id: c\nidp_client_secret: s\nfrobnicate: 1\nroutes: []\n',
  );
  const refused = await run(['validate', '-c', file]);
  assert.equal(refused.code, 1);
  assert.match(refused.err, /frobnicate: unknown key/);
  const allowed = await run(['validate', '--allow-unknown-keys', '-c', file]);
  assert.equal(allowed.code, 0, allowed.err);
  assert.match(allowed.err, /warning: .*frobnicate: unknown key, ignored/);
});

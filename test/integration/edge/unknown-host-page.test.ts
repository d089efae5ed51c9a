// Unknown hosts get the designed 404 page (issue 15/21) through a real Envoy running the
// generated bootstrap: the catch-all virtual host sends only the stylesheet prefix to authn and
// everything else to authz's 404 — and no hostile Host/:authority variant reaches an upstream.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type EdgeStack, get, rawRequest, startEdgeStack } from '../../helpers/edge-stack.js';

const ROUTES = `
routes:
  - id: open
    from: https://open.example.test
    to: "{{open}}"
    allow_public_unauthenticated_access: true
  - id: wild
    from: https://*.wild.corp.example
    to: "{{wild}}"
    allow_public_unauthenticated_access: true
`;

let stack: EdgeStack;
before(async () => {
  stack = await startEdgeStack(['open', 'wild'], ROUTES);
});
after(async () => {
  await stack?.close();
});

test('an unknown host gets the 404 page of the design system with its stylesheet and strict CSP', async () => {
  const res = await get(stack, 'nowhere.example.test', '/some/path?q=1', ['accept: text/html']);
  assert.equal(res.status, 404);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.match(res.body, /<h1 id="title">Nothing here<\/h1>/);
  assert.match(
    res.body,
    /<link rel="stylesheet" href="\/\.pomerium\/assets\/portcullis-[0-9a-f]{16}\.css">/,
  );
  assert.match(res.body, /<code id="requested">nowhere\.example\.test\/some\/path<\/code>/);
  assert.match(String(res.headers['content-security-policy']), /script-src 'none'/);
});

const HOSTILE_AUTHORITIES = [
  'nowhere.example.test',
  'open.example.test.evil.test',
  'evil-open.example.test',
  'xopen.example.test',
  'open.example.testx',
  'wild.corp.example',
  'a.wild.corp.example.evil.test',
  'a.wild.corp.example,open.example.test',
  'open.example.test@evil.test',
  'OPEN.EXAMPLE.TEST.evil.test',
  'open%2eexample.test',
  '127.0.0.1',
  '[::1]:443',
];
for (const host of HOSTILE_AUTHORITIES) {
  for (const path of ['/', '/.pomerium/assets/x.css', '/.pomerium/assets/../../admin']) {
    test(`the authority ${host} with ${path} never reaches an upstream`, async () => {
      const from = stack.received.length;
      const res = await rawRequest(
        stack.port,
        'open.example.test',
        `GET ${path} HTTP/1.1\r\nhost: ${host}\r\naccept: text/html`,
      );
      // the asset prefix goes to authn (whatever the stack runs there), the rest to authz
      if (!path.startsWith('/.pomerium/assets/x')) {
        assert.ok([400, 404].includes(res.status), `${host}${path}: ${res.status}`);
      }
      // only authn (the stack's stand-in answers with x-upstream: authn), never a route's upstream
      const answered = res.headers['x-upstream'];
      if (path.startsWith('/.pomerium/assets/x'))
        assert.ok([undefined, 'authn'].includes(answered as string));
      else assert.equal(answered, undefined);
      assert.deepEqual(
        stack.received.slice(from).filter((r) => r.upstream !== 'authn'),
        [],
      );
    });
  }
}

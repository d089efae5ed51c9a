// The tools/list ticket (authz/mcp/tools-list-ticket.ts): what authz judged travels sealed to the
// ext_proc filter, without credentials; a ticket that was tampered with, sealed under another
// shared_secret, or too old does not open (the filter then refuses the list: fail closed).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import {
  openToolsListTicket,
  sealToolsListTicket,
  TICKET_TTL_MS,
  type ToolsListTicket,
} from '../../../../authz/mcp/tools-list-ticket.js';

const SECRET = randomBytes(32).toString('base64');
const NOW = 1_800_000_000_000;
const TICKET: ToolsListTicket = {
  routeId: 'tools',
  judgedAt: NOW,
  identity: {
    sessionId: 's',
    userId: 'u',
    email: 'a@example.com',
    groups: ['eng'],
    claims: { department: ['x'] },
  },
  request: {
    method: 'POST',
    host: 'tools.example.com',
    hostname: 'tools.example.com',
    path: '/mcp',
    rawPath: '/mcp',
    rawQuery: '',
    url: 'https://tools.example.com/mcp',
    headers: {
      cookie: '_pomerium=secret',
      authorization: 'Bearer Pomerium-secret',
      'x-pomerium-authorization': 'secret',
      accept: 'application/json',
    },
    sourceIp: '10.0.0.1',
    clientCertificate: { presented: false, valid: false },
    mcp: { method: 'tools/list', tool: null },
  },
};

test('a ticket opens to what authz judged, without the credentials of the request', () => {
  const sealed = sealToolsListTicket(SECRET, TICKET);
  assert.match(sealed, /^[A-Za-z0-9_-]+$/);
  const opened = openToolsListTicket(SECRET, sealed, NOW + 1000);
  assert.equal(typeof opened, 'object');
  const t = opened as ToolsListTicket;
  assert.equal(t.routeId, 'tools');
  assert.deepEqual(t.identity, TICKET.identity);
  assert.deepEqual(t.request.headers, { accept: 'application/json' });
  assert.doesNotMatch(Buffer.from(sealed, 'base64url').toString('latin1'), /secret|a@example\.com/);
});

const REFUSED: readonly [string, () => string, number, RegExp][] = [
  [
    'a flipped byte',
    () => {
      const raw = Buffer.from(sealToolsListTicket(SECRET, TICKET), 'base64url');
      raw[raw.length - 1]! ^= 1;
      return raw.toString('base64url');
    },
    NOW,
    /does not authenticate/,
  ],
  [
    'another shared_secret',
    () => sealToolsListTicket(randomBytes(32).toString('base64'), TICKET),
    NOW,
    /does not authenticate/,
  ],
  ['an expired one', () => sealToolsListTicket(SECRET, TICKET), NOW + TICKET_TTL_MS + 1, /expired/],
  ['garbage', () => 'not a ticket!', NOW, /does not authenticate/],
  ['an empty value', () => '', NOW, /does not authenticate/],
];
for (const [what, make, now, why] of REFUSED) {
  test(`a ticket that is ${what} does not open`, () => {
    const opened = openToolsListTicket(SECRET, make(), now);
    assert.equal(typeof opened, 'string');
    assert.match(opened as string, why);
  });
}

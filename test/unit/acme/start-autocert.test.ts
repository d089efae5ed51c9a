// The autocert manager (acme/start-autocert.ts) against a scripted CA (the request function is
// injected, docs/style.md §23) and the memory databroker: a rate limit is honoured (no new order
// before Retry-After) and reported in logs, metrics and health; a replica without the ordering
// lease places no order; every host is served a placeholder until it has a certificate.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { ORDER_LEASE, startAutocert } from '../../../acme/index.js';
import type { HttpAnswer, HttpOptions } from '../../../acme/lib/https-request.js';
import { parseConfigText } from '../../../config/index.js';
import { createMemoryStore } from '../../../databroker/index.js';
import { SECRET } from '../../helpers/config-fixtures.js';

const CA = 'https://ca.test';
const { config } = parseConfigText(
  `shared_secret: ${SECRET}
autocert: true
autocert_ca: ${CA}/dir
routes:
  - from: https://app.example.com
    to: http://127.0.0.1:9
`,
  { file: 't.yaml', env: {} },
);

/** A CA that registers accounts and answers newOrder with `rateLimited` (after `forgotten`
 * answers of `accountDoesNotExist`). */
function rateLimitingCa(forgotten = 0) {
  const calls: string[] = [];
  let n = 0;
  let accounts = 0;
  const answer = (
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ): HttpAnswer => ({
    status,
    headers: { 'replay-nonce': `nonce-${++n}`, ...headers },
    body: Buffer.from(JSON.stringify(body)),
  });
  const request = async (url: string, _o: HttpOptions): Promise<HttpAnswer> => {
    const path = new URL(url).pathname;
    calls.push(path);
    if (path === '/dir') {
      return answer(200, {
        newNonce: `${CA}/nonce`,
        newAccount: `${CA}/acct`,
        newOrder: `${CA}/order`,
      });
    }
    if (path === '/nonce') return answer(200, '');
    if (path === '/acct') {
      return answer(201, { status: 'valid' }, { location: `${CA}/acct/${++accounts}` });
    }
    if (path === '/order' && forgotten-- > 0) {
      return answer(400, {
        type: 'urn:ietf:params:acme:error:accountDoesNotExist',
        detail: 'no such account',
      });
    }
    return answer(
      429,
      { type: 'urn:ietf:params:acme:error:rateLimited', detail: 'too many new orders recently' },
      { 'retry-after': '3600' },
    );
  };
  return { calls, request };
}

function logs() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _e, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: pino(sink) };
}

test('a rate limit is honoured until Retry-After and reported in logs, metrics and health', async () => {
  const ca = rateLimitingCa();
  const { lines, logger } = logs();
  const health: (string | null)[] = [];
  const store = createMemoryStore();
  const autocert = await startAutocert({
    config,
    baseDir: '.',
    store,
    logger,
    onChange: () => undefined,
    onHealth: (p) => health.push(p),
    client: { request: ca.request },
  });
  try {
    const placeholder = autocert.certificates(config);
    assert.deepEqual(
      placeholder.map((c) => c.host),
      ['app.example.com'],
    );
    await autocert.check();
    assert.equal(ca.calls.filter((p) => p === '/order').length, 1);
    const line = lines.find((l) => l.code === 'ACME_RATE_LIMITED');
    assert.ok(line, JSON.stringify(lines));
    assert.equal(line.reason, 'rateLimited');
    assert.equal(line.serving, 'self-signed placeholder');
    assert.match(String(health.at(-1)), /app\.example\.com: .*rateLimited.*placeholder/);
    assert.match(autocert.metrics(), /portcullis_acme_failures_total\{reason="rateLimited"\} 1/);
    assert.match(autocert.metrics(), /portcullis_acme_certificate_ok\{host="app.example.com"\} 0/);
    // Checked again at once: the CA said to come back in an hour, so no new order.
    await autocert.check();
    assert.equal(ca.calls.filter((p) => p === '/order').length, 1);
    assert.equal(autocert.certificates(config)[0]!.cert, placeholder[0]!.cert);
  } finally {
    await autocert.close();
    await store.close();
  }
});

test('a replica that cannot take the ordering lease places no order', async () => {
  const ca = rateLimitingCa();
  const store = createMemoryStore();
  const held = await store.lease(ORDER_LEASE, 60_000);
  assert.ok(held);
  const autocert = await startAutocert({
    config,
    baseDir: '.',
    store,
    logger: pino({ level: 'silent' }),
    onChange: () => undefined,
    client: { request: ca.request },
  });
  try {
    await autocert.check();
    assert.deepEqual(ca.calls, []);
  } finally {
    await autocert.close();
    await held.release();
    await store.close();
  }
});

test('an account the CA no longer knows is registered again, and the order goes on with it', async () => {
  const ca = rateLimitingCa(1);
  const store = createMemoryStore();
  const autocert = await startAutocert({
    config,
    baseDir: '.',
    store,
    logger: pino({ level: 'silent' }),
    onChange: () => undefined,
    retryBaseMs: 1,
    client: { request: ca.request },
  });
  try {
    await autocert.check();
    const first = (await store.list('acme_account')).records[0]!.data!.url;
    assert.equal(first, `${CA}/acct/1`);
    await new Promise((r) => setTimeout(r, 5));
    await autocert.check();
    assert.equal(ca.calls.filter((p) => p === '/acct').length, 2);
    assert.equal((await store.list('acme_account')).records[0]!.data!.url, `${CA}/acct/2`);
    assert.match(autocert.metrics(), /portcullis_acme_failures_total\{reason="rateLimited"\} 1/);
  } finally {
    await autocert.close();
    await store.close();
  }
});

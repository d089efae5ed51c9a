// An RFC 8555 ACME client, just what autocert needs: directory, nonces (a `badNonce` is retried),
// account (with external account binding), order, HTTP-01 authorizations, finalize with a CSR,
// certificate download. Every CA problem becomes an AcmeError (acme/lib/acme-error.ts).
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { AcmeError, problemError, retryAfterAt } from './lib/acme-error.js';
import { buildCsr } from './lib/build-csr.js';
import { type HttpAnswer, type HttpOptions, httpsRequest } from './lib/https-request.js';
import { jwkThumbprint, signEab, signJws } from './lib/sign-jws.js';

export interface AcmeClientOptions {
  readonly directoryUrl: string;
  readonly accountKey: KeyObject;
  /** Known account URL (skips newAccount). */
  readonly accountUrl?: string;
  readonly email?: string;
  readonly eab?: { readonly keyId: string; readonly macKey: string };
  /** PEM CA that verifies the CA's HTTPS (autocert_trusted_ca). */
  readonly ca?: string;
  /** Injected for tests (docs/style.md §23). */
  readonly request?: (url: string, opts: HttpOptions) => Promise<HttpAnswer>;
  readonly now?: () => number;
  /** Longest wait between polls (default 2 s; a CA's Retry-After is honoured up to it). */
  readonly maxPollMs?: number;
  /** Give up on one order after this long (default 3 min). */
  readonly orderDeadlineMs?: number;
}

export interface Http01Responder {
  /** Publish `keyAuthorization` at /.well-known/acme-challenge/`token` (for every replica). */
  publish(token: string, keyAuthorization: string): Promise<void>;
  remove(token: string): Promise<void>;
}

export interface IssuedPair {
  /** PEM chain, leaf first. */
  readonly cert: string;
  /** PEM PKCS#8 key of the leaf. */
  readonly key: string;
}

interface Directory {
  newNonce: string;
  newAccount: string;
  newOrder: string;
  meta?: { externalAccountRequired?: boolean };
}

interface Order {
  status: string;
  authorizations: string[];
  finalize: string;
  certificate?: string;
  error?: unknown;
}

interface Authorization {
  status: string;
  identifier: { value: string };
  challenges: { type: string; url: string; token: string; status: string; error?: unknown }[];
}

export interface AcmeClient {
  /** Registers (or finds) the account; returns its URL. */
  account(): Promise<string>;
  /** Orders, validates over HTTP-01 and downloads a certificate for `hosts`. */
  order(
    hosts: readonly string[],
    http01: Http01Responder,
    mustStaple: boolean,
  ): Promise<IssuedPair>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createAcmeClient(opts: AcmeClientOptions): AcmeClient {
  const request = opts.request ?? httpsRequest;
  const now = opts.now ?? Date.now;
  const maxPoll = opts.maxPollMs ?? 2000;
  let directory: Directory | undefined;
  let nonce: string | undefined;
  let kid = opts.accountUrl;

  const call = async (url: string, o: HttpOptions): Promise<HttpAnswer> => {
    try {
      return await request(url, { ...o, ...(opts.ca !== undefined ? { ca: opts.ca } : {}) });
    } catch (err) {
      throw new AcmeError(
        'unreachable',
        `ACME CA unreachable at ${new URL(url).host}: ${(err as Error).message}`,
        undefined,
        err,
      );
    }
  };
  const dir = async (): Promise<Directory> => {
    if (directory) return directory;
    const res = await call(opts.directoryUrl, {});
    if (res.status !== 200)
      throw problemError('directory', res.status, res.body, res.headers['retry-after'], now());
    directory = JSON.parse(res.body.toString('utf8')) as Directory;
    return directory;
  };
  const freshNonce = async (): Promise<string> => {
    if (nonce !== undefined) {
      const n = nonce;
      nonce = undefined;
      return n;
    }
    const res = await call((await dir()).newNonce, { method: 'HEAD' });
    const n = res.headers['replay-nonce'];
    if (typeof n !== 'string') throw new AcmeError('badNonce', 'ACME CA gave no nonce');
    return n;
  };
  /** A signed POST; `payload` undefined = POST-as-GET. Retries a rejected nonce twice. */
  const post = async (
    url: string,
    payload: unknown,
    what: string,
    useJwk = false,
  ): Promise<HttpAnswer> => {
    for (let attempt = 0; ; attempt++) {
      const jws = signJws(
        opts.accountKey,
        { nonce: await freshNonce(), url, ...(useJwk ? {} : { kid: kid! }) },
        payload,
      );
      const res = await call(url, {
        method: 'POST',
        headers: { 'content-type': 'application/jose+json' },
        body: JSON.stringify(jws),
      });
      const n = res.headers['replay-nonce'];
      if (typeof n === 'string') nonce = n;
      if (res.status < 400) return res;
      const err = problemError(what, res.status, res.body, res.headers['retry-after'], now());
      if (err.reason === 'badNonce' && attempt < 2) continue;
      throw err;
    }
  };
  const json = <T>(res: HttpAnswer): T => JSON.parse(res.body.toString('utf8')) as T;
  const pause = async (res: HttpAnswer): Promise<void> => {
    const at = retryAfterAt(res.headers['retry-after'], now());
    await sleep(Math.min(maxPoll, Math.max(250, at === undefined ? maxPoll : at - now())));
  };
  const account = async (): Promise<string> => {
    if (kid !== undefined) return kid;
    const d = await dir();
    if (d.meta?.externalAccountRequired && opts.eab === undefined) {
      throw new AcmeError(
        'externalAccountRequired',
        'the ACME CA requires external account binding: set autocert_eab_key_id and autocert_eab_mac_key',
      );
    }
    const payload: Record<string, unknown> = {
      termsOfServiceAgreed: true,
      ...(opts.email ? { contact: [`mailto:${opts.email}`] } : {}),
      ...(opts.eab
        ? { externalAccountBinding: signEab(opts.accountKey, opts.eab, d.newAccount) }
        : {}),
    };
    const res = await post(d.newAccount, payload, 'newAccount', true);
    const loc = res.headers.location;
    if (typeof loc !== 'string')
      throw new AcmeError('invalid', 'newAccount answered without a Location');
    kid = loc;
    return loc;
  };
  const validate = async (
    authzUrl: string,
    http01: Http01Responder,
    deadline: number,
  ): Promise<void> => {
    let authz = json<Authorization>(await post(authzUrl, undefined, 'authorization'));
    if (authz.status === 'valid') return;
    const host = authz.identifier.value;
    const ch = authz.challenges.find((c) => c.type === 'http-01');
    if (ch === undefined) {
      throw new AcmeError('unsupportedChallenge', `the CA offers no http-01 challenge for ${host}`);
    }
    await http01.publish(ch.token, `${ch.token}.${jwkThumbprint(opts.accountKey)}`);
    try {
      await post(ch.url, {}, `http-01 challenge for ${host}`);
      for (;;) {
        const res = await post(authzUrl, undefined, 'authorization');
        authz = json<Authorization>(res);
        if (authz.status === 'valid') return;
        if (authz.status !== 'pending') {
          const failed = authz.challenges.find((c) => c.type === 'http-01')?.error as
            | { type?: string; detail?: string }
            | undefined;
          const type = (failed?.type ?? 'unauthorized').replace('urn:ietf:params:acme:error:', '');
          throw new AcmeError(
            type,
            `http-01 validation of ${host} failed: ${type}: ${failed?.detail ?? authz.status}`,
          );
        }
        if (now() > deadline) throw new AcmeError('timeout', `validation of ${host} took too long`);
        await pause(res);
      }
    } finally {
      await http01.remove(ch.token).catch(() => undefined);
    }
  };
  return {
    account,
    async order(hosts, http01, mustStaple) {
      const deadline = now() + (opts.orderDeadlineMs ?? 180_000);
      await account();
      const d = await dir();
      const created = await post(
        d.newOrder,
        { identifiers: hosts.map((value) => ({ type: 'dns', value })) },
        `order for ${hosts.join(', ')}`,
      );
      const orderUrl = created.headers.location as string;
      let order = json<Order>(created);
      for (const a of order.authorizations) await validate(a, http01, deadline);
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const csr = buildCsr(hosts, privateKey, publicKey, mustStaple).toString('base64url');
      let res = await post(order.finalize, { csr }, `finalize for ${hosts.join(', ')}`);
      order = json<Order>(res);
      while (order.status !== 'valid') {
        if (order.status === 'invalid') {
          throw new AcmeError('orderInvalid', `the order for ${hosts.join(', ')} became invalid`);
        }
        if (now() > deadline)
          throw new AcmeError('timeout', `the order for ${hosts.join(', ')} took too long`);
        await pause(res);
        res = await post(orderUrl, undefined, 'order');
        order = json<Order>(res);
      }
      const cert = await post(order.certificate!, undefined, 'certificate download');
      return {
        cert: cert.body.toString('utf8'),
        key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      };
    },
  };
}

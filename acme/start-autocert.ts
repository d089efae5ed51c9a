// autocert (docs/acme.md; Pomerium's settings: docs/pomerium-behaviour.md §2.3): a certificate
// for every route host from an ACME CA, obtained and renewed by whichever replica holds the
// `autocert_order` lease, shared through the store so every replica serves the same one, and
// handed to Envoy over SDS by the proxy service. Until a host has one it is served a self-signed
// placeholder; when an order fails, the certificate already served stays, the failure is logged,
// counted and shown in health, and the order is retried with backoff (a rate limit: after the
// CA's Retry-After).
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/index.js';
import type { RecordStore } from '../databroker/index.js';
import { generateSelfSignedCertificate } from '../envoy/index.js';
import type { AcmeClientOptions } from './create-acme-client.js';
import { AcmeError } from './lib/acme-error.js';
import { autocertHosts, type RefusedHost } from './lib/autocert-hosts.js';
import { createAutocertMetrics } from './lib/autocert-metrics.js';
import type { AutocertStore } from './lib/autocert-store.js';
import { configuredCoverage } from './lib/configured-certificates.js';
import { databrokerAutocertStore } from './lib/databroker-autocert-store.js';
import { dirAutocertStore } from './lib/dir-autocert-store.js';
import {
  adoptCertificate,
  clearFailures,
  type HostState,
  healthProblem,
  isDue,
  newHostState,
  recordFailure,
  type ServedCertificate,
} from './lib/host-state.js';
import { http01Records } from './lib/http01-records.js';
import { openAccount } from './lib/open-account.js';
import { describeCertificate } from './lib/read-certificate.js';
import { createSecretSealer } from './lib/seal-secret.js';

export type { ServedCertificate } from './lib/host-state.js';

export interface AutocertOptions {
  readonly config: Config;
  /** Folder relative file paths (autocert_trusted_ca_file, autocert_dir) are resolved from. */
  readonly baseDir: string;
  readonly store: RecordStore;
  readonly logger: Logger;
  /** Called when the certificates to serve changed (the proxy publishes a new snapshot). */
  readonly onChange: () => void;
  /** Sets or clears the `autocert` health note (why an order failed). */
  readonly onHealth?: (problem: string | null) => void;
  readonly now?: () => number;
  /** Longest sleep between checks (default 10 min). */
  readonly checkIntervalMs?: number;
  /** First retry delay after a failure, doubled up to an hour (default 30 s). */
  readonly retryBaseMs?: number;
  /** ACME client knobs (tests: polling). */
  readonly client?: Pick<AcmeClientOptions, 'maxPollMs' | 'orderDeadlineMs' | 'request'>;
}

export interface Autocert {
  /** The certificate of every autocert host of `config` now (a placeholder for a new host). */
  certificates(config: Config): readonly ServedCertificate[];
  /** Hosts refused (wildcards, IPs), for warnings. */
  refused(): readonly RefusedHost[];
  /** Takes the host list of a new config (new hosts get placeholders, then orders). */
  reload(config: Config): void;
  /** Starts ordering and renewing (call once Envoy serves the HTTP-01 path). */
  start(): void;
  /** Runs a check now. */
  check(): Promise<void>;
  metrics(): string;
  close(): Promise<void>;
}

const LEASE_MS = 5 * 60_000;

export async function startAutocert(opts: AutocertOptions): Promise<Autocert> {
  const { logger, store } = opts;
  const log = logger.child({ service: 'autocert' });
  const now = opts.now ?? Date.now;
  const retryBase = opts.retryBaseMs ?? 30_000;
  const metrics = createAutocertMetrics();
  let config = opts.config;
  const sealer = createSecretSealer(config.shared_secret ?? '');
  const certStore: AutocertStore =
    config.autocert_dir !== undefined
      ? dirAutocertStore(resolve(opts.baseDir, config.autocert_dir), sealer)
      : databrokerAutocertStore(store, sealer);
  const http01 = http01Records(store, now);
  const hosts = new Map<string, HostState>();
  let refused: RefusedHost[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  /** Another replica held the ordering lease at the last check: look again in a few seconds. */
  let leaseBusy = false;
  let dropAccount = false;

  const placeholders = new Map<string, ServedCertificate>();
  const placeholder = (host: string): ServedCertificate => {
    let p = placeholders.get(host);
    if (p === undefined) {
      p = { host, ...generateSelfSignedCertificate([host], { days: 7 }) };
      placeholders.set(host, p);
    }
    return p;
  };
  const setHosts = (c: Config): boolean => {
    const found = autocertHosts(c, configuredCoverage(c, opts.baseDir));
    if (found.covered.length > 0) {
      log.info(
        { hosts: found.covered },
        'autocert leaves these hosts to the configured certificates that serve them',
      );
    }
    refused = found.refused;
    for (const r of refused) {
      log.warn(
        { code: 'ACME_HOST_UNSUPPORTED', host: r.host, path: r.path },
        `autocert cannot obtain a certificate for ${r.host} (${r.path}): ${r.why}; configure a certificate for it`,
      );
    }
    let changed = false;
    for (const h of found.hosts) {
      if (!hosts.has(h)) {
        hosts.set(h, newHostState(placeholder(h)));
        changed = true;
      }
    }
    for (const h of [...hosts.keys()]) {
      if (!found.hosts.includes(h)) {
        hosts.delete(h);
        changed = true;
      }
    }
    return changed;
  };
  const reportHealth = () => opts.onHealth?.(healthProblem(hosts, now()));

  const accountClient = async () => {
    // The CA forgot the account (accountDoesNotExist): register a new one in its place.
    const fresh = dropAccount;
    dropAccount = false;
    return openAccount(config, {
      baseDir: opts.baseDir,
      store: certStore,
      fresh,
      now,
      log,
      ...(opts.client ? { client: opts.client } : {}),
    });
  };

  /** Loads what the store has for every host; true when something served changed. */
  const refresh = async (only?: string): Promise<boolean> => {
    let changed = false;
    for (const [h, st] of hosts) {
      if (only !== undefined && h !== only) continue;
      const c = await certStore.getCertificate(h);
      if (c !== null && adoptCertificate(st, c)) changed = true;
      if (c !== null && st.lastError !== undefined && c.notAfter > now() && c.renewAt > now()) {
        clearFailures(st); // another replica succeeded
      }
    }
    return changed;
  };
  const order = async (
    host: string,
    st: HostState,
    acme: Awaited<ReturnType<typeof accountClient>>,
  ) => {
    metrics.ordered();
    log.info({ host, renew: st.stored !== undefined }, `ordering a certificate for ${host}`);
    try {
      const pair = await acme.order([host], http01, config.autocert_must_staple);
      const c = describeCertificate(host, pair.cert, pair.key);
      await certStore.putCertificate(c);
      adoptCertificate(st, c);
      clearFailures(st);
      metrics.obtained();
      log.info(
        { host, issuer: c.issuer, serial: c.serial, not_after: new Date(c.notAfter).toISOString() },
        `certificate for ${host} obtained`,
      );
      return true;
    } catch (err) {
      const e =
        err instanceof AcmeError
          ? err
          : new AcmeError('internal', (err as Error).message, undefined, err);
      recordFailure(st, e, now(), retryBase);
      metrics.failed(e.reason);
      if (e.reason === 'accountDoesNotExist') {
        dropAccount = true;
        st.retryAt = Math.min(st.retryAt, now() + retryBase);
      }
      log.error(
        {
          code: e.code,
          host,
          reason: e.reason,
          retry_at: new Date(st.retryAt).toISOString(),
          serving: st.stored ? `certificate ${st.stored.serial}` : 'self-signed placeholder',
        },
        `autocert could not obtain a certificate for ${host}: ${e.message}; the current certificate keeps serving`,
      );
      return false;
    }
  };

  const runCheck = async (): Promise<void> => {
    let changed = await refresh();
    const t = now();
    if ([...hosts.values()].some((st) => isDue(st, t))) {
      const lease = await certStore.lease(LEASE_MS);
      leaseBusy = lease === null;
      if (lease !== null) {
        try {
          changed = (await refresh()) || changed; // another replica may have just stored some
          let acme: Awaited<ReturnType<typeof accountClient>> | undefined;
          for (const [h, st] of hosts) {
            if (closed || !isDue(st, now())) continue;
            try {
              acme ??= await accountClient();
            } catch (err) {
              const e =
                err instanceof AcmeError ? err : new AcmeError('internal', (err as Error).message);
              for (const s of hosts.values()) {
                if (isDue(s, now())) recordFailure(s, e, now(), retryBase);
              }
              metrics.failed(e.reason);
              log.error(
                { code: e.code, reason: e.reason },
                `autocert could not use the ACME account: ${e.message}`,
              );
              break;
            }
            if (await order(h, st, acme)) changed = true;
            if (dropAccount) break;
            if (!(await lease.renew(LEASE_MS))) break; // lost it: another replica goes on
          }
        } finally {
          await lease.release().catch(() => undefined);
        }
      }
    }
    reportHealth();
    if (changed) opts.onChange();
  };
  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    const t = now();
    let next = t + (opts.checkIntervalMs ?? 10 * 60_000);
    for (const st of hosts.values()) {
      const at = Math.max(st.retryAt, st.stored?.renewAt ?? t);
      next = Math.min(next, at);
    }
    timer = setTimeout(() => void check(), Math.max(leaseBusy ? 5000 : 1000, next - t));
    timer.unref();
  };
  const check = async (): Promise<void> => {
    if (running) return running;
    running = runCheck()
      .catch((err: unknown) => log.error({ err }, 'autocert check failed'))
      .finally(() => {
        running = undefined;
        schedule();
      });
    return running;
  };

  setHosts(config);
  if ((config.autocert_eab_key_id === undefined) !== (config.autocert_eab_mac_key === undefined)) {
    log.warn(
      { code: 'CONFIG_INVALID' },
      'autocert_eab_key_id and autocert_eab_mac_key go together: external account binding is not used',
    );
  }
  await refresh();
  let started = false;
  const stopWatch = await certStore.watch((host) => {
    void refresh(host)
      .then((changed) => {
        reportHealth();
        if (changed) opts.onChange();
        if (started) schedule();
      })
      .catch((err: unknown) =>
        log.warn({ err, host }, 'autocert could not read a stored certificate'),
      );
  });
  return {
    certificates: (c) =>
      autocertHosts(c, configuredCoverage(c, opts.baseDir)).hosts.map(
        (h) => hosts.get(h)?.served ?? placeholder(h),
      ),
    refused: () => refused,
    reload(next) {
      config = next;
      // The proxy took the new hosts' placeholders in its own prepare (certificates(config)).
      if (setHosts(next) && started) void check();
    },
    start() {
      started = true;
      void check();
    },
    check,
    metrics: () =>
      metrics.render(
        [...hosts].map(([host, s]) => ({
          host,
          ok: s.stored !== undefined && s.stored.notAfter > now(),
          notAfter: s.stored?.notAfter ?? 0,
        })),
      ),
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      // An order in flight is abandoned after a moment (the lease expires; the next start resumes).
      await Promise.race([running, new Promise((r) => setTimeout(r, 2000).unref())]);
      await stopWatch();
    },
  };
}

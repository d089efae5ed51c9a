// The authn HTTP server (node:http): one handler for the authenticate host and every route
// host's /.pomerium/* (Envoy forwards them; the Host header says which), error pages from the
// code → status table, the refresh job, listen/close for the start command and tests.

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, pino } from 'pino';
import type { RecordStore } from '../databroker/index.js';
import { errorCodeOf, httpStatusOf, PortcullisError, userMessageOf } from '../errors/index.js';
import { tracedFetch, tracedHandler } from '../tracing/index.js';
import { responseFormat, type SigningKey, themeOf } from '../wire/index.js';
import type { AuthnConfig } from './lib/authn-config.js';
import { createAuthnMetrics } from './lib/authn-metrics.js';
import { type AuthnState, buildAuthnState } from './lib/build-authn-state.js';
import { AUTHENTICATE_COOKIE } from './lib/load-session.js';
import {
  type Refresher,
  type RefreshOptions,
  startRefresher,
} from './lib/refresh/start-refresher.js';
import { renderErrorPage } from './lib/render-page.js';
import { type AuthnDeps, createRequestContext } from './lib/request-context.js';
import { sendHtml, sendJson } from './lib/send-response.js';
import { routeRequest } from './route-request.js';

export interface AuthnServerOptions {
  readonly config: AuthnConfig;
  readonly store: RecordStore;
  readonly logger?: Logger;
  /** Used for every request to the IdP (discovery, token, userinfo, revocation). */
  readonly fetch?: typeof fetch;
  /** Clock (epoch ms) for sessions, signed URLs and state. */
  readonly now?: () => number;
  /** Share one key set with authz (all-in-one mode without signing_key). */
  readonly signingKeys?: readonly SigningKey[];
  /** Background refresh of IdP tokens; `false` disables the job (tests call `refreshOnce`). */
  readonly refresh?: Partial<RefreshOptions> | false;
}

export interface AuthnServer {
  /** The request handler (mount it on your own server if you like). */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  listen(port: number, host?: string): Promise<AddressInfo>;
  /** Swaps in a new config (built and checked first; on error the old one keeps serving). */
  update(config: AuthnConfig): void;
  /** Phase one of a reload: builds the new state (throws when unusable); commit() swaps it in. */
  prepare(config: AuthnConfig): { commit(): void };
  /** Why the process is not ready (GET /healthz answers 503 with it), or null when it is. */
  setUnhealthy(reason: string | null): void;
  /** Ready but degraded (shown on /healthz with a 200), or null. */
  setDegraded(reason: string | null): void;
  /** One pass of the refresh job (holding the lease); resolves to the number of sessions refreshed. */
  refreshOnce(): Promise<number>;
  /** Prometheus text (authn/lib/authn-metrics.ts). */
  metrics(): string;
  /** Idp id of the global identity provider. */
  readonly defaultIdpId: string;
  close(): Promise<void>;
}

function wantsJson(req: IncomingMessage, path: string): boolean {
  return (
    path === '/.pomerium/user' ||
    responseFormat(req.headers as Record<string, string | undefined>) === 'json'
  );
}

/**
 * Creates the authn server. Throws `CONFIG_INVALID`/`KEY_INVALID` for an unusable config.
 * @example
 * const authn = createAuthnServer({config, store});
 * await authn.listen(0, '127.0.0.1');
 */
export function createAuthnServer(options: AuthnServerOptions): AuthnServer {
  const logger = options.logger ?? pino({ level: 'silent' });
  const now = options.now ?? Date.now;
  const build = (config: AuthnConfig): AuthnState =>
    buildAuthnState(config, {
      // IdP requests are CLIENT spans of the request's span while tracing is on (docs/tracing.md).
      fetch: tracedFetch(options.fetch),
      now,
      ...(options.signingKeys ? { signingKeys: options.signingKeys } : {}),
      warn: (message) => logger.warn({ code: 'insecure_setting' }, message),
    });
  let state = build(options.config);
  const deps: AuthnDeps = {
    store: options.store,
    logger,
    now,
    usedStates: new Map(),
    unhealthy: null,
    degraded: null,
  };
  const metrics = createAuthnMetrics();

  const handler = tracedHandler('authn', (req: IncomingMessage, res: ServerResponse): void => {
    const requestId =
      typeof req.headers['x-request-id'] === 'string'
        ? req.headers['x-request-id'].slice(0, 64)
        : randomUUID();
    const log = logger.child({ request_id: requestId });
    res.setHeader('content-security-policy', themeOf(state.config).csp);
    const ctx = createRequestContext(req, res, state, deps, log);
    if (!ctx) {
      sendHtml(
        res,
        400,
        renderErrorPage(
          400,
          'AUTHN_BAD_REQUEST',
          'Missing or malformed Host header.',
          themeOf(state.config),
        ),
      );
      return;
    }
    if (ctx.url.pathname === '/oauth2/callback') {
      res.once('finish', () => {
        // Completed: the callback set the authenticate session cookie (not a stale restart).
        const minted = ctx.setCookies.some((c) => c.startsWith(`${AUTHENTICATE_COOKIE}=`));
        if (res.statusCode === 302 && minted) metrics.signIn();
      });
    }
    routeRequest(ctx).catch((error: unknown) => {
      const status = httpStatusOf(error);
      const code = errorCodeOf(error);
      metrics.failure(code);
      if (status >= 500)
        log.error(
          { code, err: error instanceof PortcullisError ? undefined : error },
          'request failed',
        );
      else log.info({ code, status, path: ctx.url.pathname }, 'request refused');
      if (res.headersSent) {
        res.end();
        return;
      }
      const message = userMessageOf(error);
      const o = { cookies: ctx.setCookies };
      if (wantsJson(req, ctx.url.pathname)) {
        sendJson(res, status, { error: code, request_id: requestId }, o);
      } else {
        sendHtml(res, status, renderErrorPage(status, code, message, themeOf(state.config)), o);
      }
    });
  });

  const server = createServer(handler);
  server.headersTimeout = 30_000;
  server.requestTimeout = 60_000;
  const refresher: Refresher = startRefresher({
    store: options.store,
    logger,
    now,
    state: () => state,
    onOutcome: (outcome) => metrics.refresh(outcome),
    ...(options.refresh === false ? { enabled: false } : (options.refresh ?? {})),
  });

  return {
    handler,
    get defaultIdpId() {
      return state.defaultIdpId;
    },
    listen(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      });
    },
    update(config) {
      state = build(config);
    },
    prepare(config) {
      const next = build(config);
      return {
        commit() {
          state = next;
        },
      };
    },
    setUnhealthy(reason) {
      deps.unhealthy = reason;
    },
    setDegraded(reason) {
      deps.degraded = reason;
    },
    refreshOnce: () => refresher.runOnce(),
    metrics: () => metrics.render(),
    async close() {
      await refresher.stop();
      await new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}

/** The prepare phase of authenticate without a server (what `portcullis validate` runs). */
export function prepareAuthnConfig(config: AuthnConfig): void {
  buildAuthnState(config, { now: Date.now });
}

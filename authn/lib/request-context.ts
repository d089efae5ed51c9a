// What every handler gets: the request, the state it started on, injected clock/store/logger,
// and the request URL rebuilt from the Host header (scheme from X-Forwarded-Proto, else https).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { RecordStore } from '../../databroker/index.js';
import { type CookiePair, parseCookies } from '../../wire/index.js';
import type { AuthnState } from './build-authn-state.js';

export interface AuthnDeps {
  readonly store: RecordStore;
  readonly logger: Logger;
  readonly now: () => number;
  /** One-time guard against replayed callbacks (state hashes seen). */
  readonly usedStates: Map<string, number>;
  /** Why the process is not ready (set by the start command), or null. */
  unhealthy: string | null;
  /** Ready, but something needs attention (e.g. an autocert renewal failed), or null. */
  degraded: string | null;
}

export interface RequestContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly state: AuthnState;
  readonly deps: AuthnDeps;
  readonly log: Logger;
  readonly method: string;
  /** Absolute URL of the request as the browser sees it. */
  readonly url: URL;
  /** Lower-case hostname (no port). */
  readonly hostname: string;
  /** Every cookie as sent (read one with `readCookie`, which refuses two different values). */
  readonly cookies: readonly CookiePair[];
  readonly now: number;
  /** Set-Cookie values collected while handling. */
  readonly setCookies: string[];
}

const HOST = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$/;

/** Null when the Host header is missing or malformed. */
export function createRequestContext(
  req: IncomingMessage,
  res: ServerResponse,
  state: AuthnState,
  deps: AuthnDeps,
  log: Logger,
): RequestContext | null {
  const host = req.headers.host ?? '';
  if (!HOST.test(host)) return null;
  const proto = req.headers['x-forwarded-proto'] === 'http' ? 'http' : 'https';
  let url: URL;
  try {
    url = new URL(`${proto}://${host}${req.url?.startsWith('/') ? req.url : '/'}`);
  } catch {
    return null;
  }
  return {
    req,
    res,
    state,
    deps,
    log,
    method: req.method ?? 'GET',
    url,
    hostname: url.hostname.toLowerCase(),
    cookies: parseCookies(req.headers.cookie),
    now: deps.now(),
    setCookies: [],
  };
}

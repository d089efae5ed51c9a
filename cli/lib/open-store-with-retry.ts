// Start without the databroker: an unreachable store (STORE_UNAVAILABLE, RETRYABLE) is retried
// with capped backoff until it answers or the start is aborted; the process is not ready
// meanwhile (condition `databroker`). A config error (wrong type, no connection string) is not
// retried.
import type { Logger } from 'pino';
import type { RecordStore } from '../../databroker/index.js';
import { errorCodeOf, PortcullisError } from '../../errors/index.js';
import type { ProcessHealth } from './process-health.js';

const RETRY_CODES = new Set(['STORE_UNAVAILABLE', 'RETRYABLE']);

export interface RetryOptions {
  readonly logger: Logger;
  readonly health: ProcessHealth;
  /** Aborts the wait (SIGINT/SIGTERM while waiting). */
  readonly signal?: AbortSignal;
  /** First delay and cap, ms (default 200 and 1000: ready within ~1 s of the store coming up). */
  readonly firstDelayMs?: number;
  readonly maxDelayMs?: number;
}

export async function openStoreWithRetry(
  open: () => Promise<RecordStore>,
  opts: RetryOptions,
): Promise<RecordStore> {
  let delay = opts.firstDelayMs ?? 200;
  const max = opts.maxDelayMs ?? 1000;
  for (let attempt = 1; ; attempt++) {
    try {
      const store = await open();
      if (attempt > 1) opts.logger.info({ service: 'databroker', attempt }, 'databroker is up');
      opts.health.set('databroker', null);
      return store;
    } catch (err) {
      const code = errorCodeOf(err);
      if (!RETRY_CODES.has(code)) throw err;
      opts.health.set('databroker', `unreachable (${code})`);
      // The first failure and then about one line a minute (not one per attempt).
      if (attempt === 1 || attempt % 60 === 0) {
        opts.logger.warn(
          { service: 'databroker', code, attempt, cause: (err as Error).message },
          'databroker unreachable: not ready, retrying with backoff',
        );
      }
    }
    if (opts.signal?.aborted) throw abortError();
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, delay);
      opts.signal?.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          resolve();
        },
        { once: true },
      );
    });
    if (opts.signal?.aborted) throw abortError();
    delay = Math.min(max, delay * 2);
  }
}

function abortError(): PortcullisError {
  return new PortcullisError('STORE_UNAVAILABLE', 'stopped while waiting for the databroker');
}

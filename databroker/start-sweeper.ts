// One sweeper per deployment: every interval, whoever holds the `databroker_sweeper` lease turns
// expired records into tombstones (so every cache evicts them) and trims the change log.

import type { PortcullisError } from '../errors/index.js';
import { asStoreError } from './lib/store-error.js';
import type { Lease, RecordStore } from './record-store.js';

export interface SweeperOptions {
  /** Default 60 s. The lease lasts twice as long and is renewed on every round. */
  readonly intervalMs?: number;
  readonly leaseName?: string;
  readonly onError?: (error: PortcullisError) => void;
}

export interface Sweeper {
  /** One round: records expired, or null when another instance holds the lease. */
  runOnce(): Promise<number | null>;
  stop(): Promise<void>;
}

export function startSweeper(store: RecordStore, options: SweeperOptions = {}): Sweeper {
  const interval = options.intervalMs ?? 60_000;
  const name = options.leaseName ?? 'databroker_sweeper';
  let lease: Lease | null = null;
  let running: Promise<unknown> = Promise.resolve();

  async function runOnce(): Promise<number | null> {
    if (lease !== null && !(await lease.renew(interval * 2))) lease = null;
    lease ??= await store.lease(name, interval * 2);
    if (lease === null) return null;
    return store.sweep();
  }

  const timer = setInterval(() => {
    running = runOnce().catch((err: unknown) => options.onError?.(asStoreError(err)));
  }, interval);
  timer.unref();

  return {
    runOnce,
    async stop() {
      clearInterval(timer);
      await running;
      await lease?.release().catch(() => undefined);
      lease = null;
    },
  };
}

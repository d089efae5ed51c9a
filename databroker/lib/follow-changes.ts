// A subscription is a loop over `changesSince`: wake-ups (NOTIFY, in-process events) and a
// periodic poll only trigger a read, so a lost wake-up or a dropped connection never loses a
// change, and each change is delivered once, in version order.
import type { ChangeBatch, ChangeListener, Subscription } from '../record-store.js';
import { asStoreError } from './store-error.js';

export interface FeedSource {
  changesSince(after: number, opts?: { limit?: number }): Promise<ChangeBatch>;
  info(): Promise<{ server_version: string; latest_version: number }>;
  /** Registers a wake-up callback; returns its removal. */
  onWake(fn: () => void): () => void;
}

export interface FollowOptions {
  readonly after?: number | undefined;
  /** Safety poll even without wake-ups (ms). */
  readonly pollMs?: number;
  readonly batchSize?: number;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export async function followChanges(
  source: FeedSource,
  listener: ChangeListener,
  opts: FollowOptions = {},
): Promise<Subscription> {
  const pollMs = opts.pollMs ?? 1000;
  const batchSize = opts.batchSize ?? 500;
  const minBackoff = opts.minBackoffMs ?? 50;
  const maxBackoff = opts.maxBackoffMs ?? 2000;
  const start = await source.info();
  let serverVersion = start.server_version;
  let position = opts.after ?? start.latest_version;
  let running = true;
  let pending = true;
  let failing = false;
  let wakeUp: (() => void) | null = null;

  const wake = (): void => {
    pending = true;
    wakeUp?.();
  };
  const removeWake = source.onWake(wake);

  const waitFor = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  async function drain(): Promise<void> {
    for (;;) {
      let batch: ChangeBatch;
      try {
        batch = await source.changesSince(position, { limit: batchSize });
      } catch (err) {
        if ((err as { code?: string }).code !== 'CHANGES_TRIMMED') throw err;
        const info = await source.info();
        await resetTo(info);
        continue;
      }
      if (failing) {
        failing = false;
        listener.onRecover?.();
      }
      if (batch.server_version !== serverVersion) {
        await resetTo(batch);
        continue;
      }
      if (batch.changes.length > 0) {
        await listener.onChanges(batch.changes);
        position = batch.changes[batch.changes.length - 1]!.version;
      }
      if (batch.changes.length < batchSize || !running) return;
    }
  }

  async function resetTo(info: { server_version: string; latest_version: number }): Promise<void> {
    serverVersion = info.server_version;
    position = info.latest_version;
    await listener.onReset?.({ server_version: serverVersion, latest_version: position });
  }

  const loop = (async () => {
    let backoff = minBackoff;
    while (running) {
      if (!pending) await waitFor(pollMs);
      if (!running) break;
      pending = false;
      try {
        await drain();
        backoff = minBackoff;
      } catch (err) {
        if (!running) break;
        failing = true;
        listener.onError?.(asStoreError(err));
        await waitFor(backoff);
        backoff = Math.min(backoff * 2, maxBackoff);
        pending = true;
      }
    }
  })();

  return {
    get position() {
      return position;
    },
    async close() {
      running = false;
      removeWake();
      wakeUp?.();
      await loop;
    },
  };
}

/** The open subscriptions of one store: each leaves the set when closed; all close with the store. */
export interface SubscriptionSet {
  follow(listener: ChangeListener, after: number | undefined): Promise<Subscription>;
  closeAll(): Promise<void>;
}

export function createSubscriptionSet(source: FeedSource, pollMs: number): SubscriptionSet {
  const open = new Set<Subscription>();
  return {
    async follow(listener, after) {
      const sub = await followChanges(source, listener, { after, pollMs });
      open.add(sub);
      return {
        get position() {
          return sub.position;
        },
        async close() {
          open.delete(sub);
          await sub.close();
        },
      };
    },
    async closeAll() {
      await Promise.all([...open].map((sub) => sub.close()));
    },
  };
}

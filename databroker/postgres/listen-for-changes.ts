// LISTEN on a dedicated connection, used ONLY as a wake-up for subscriptions (changesSince is
// the source of truth). The connection is re-opened with exponential backoff when it drops, and
// every (re)connect wakes the subscribers so they catch up on anything missed meanwhile.
import pg from 'pg';

export interface ChangeListenerConnection {
  onWake(fn: () => void): () => void;
  close(): Promise<void>;
}

export function listenForChanges(
  connectionString: string,
  channel: string,
  opts: { minBackoffMs?: number; maxBackoffMs?: number; ssl?: pg.ClientConfig['ssl'] } = {},
): ChangeListenerConnection {
  const wakers = new Set<() => void>();
  const minBackoff = opts.minBackoffMs ?? 100;
  const maxBackoff = opts.maxBackoffMs ?? 2000;
  let backoff = minBackoff;
  let client: pg.Client | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;

  const wakeAll = (): void => {
    for (const w of wakers) w();
  };

  const schedule = (): void => {
    if (closed || timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, backoff);
    backoff = Math.min(backoff * 2, maxBackoff);
  };

  async function connect(): Promise<void> {
    if (closed) return;
    const c = new pg.Client({
      connectionString,
      keepAlive: true,
      ...(opts.ssl === undefined ? {} : { ssl: opts.ssl }),
    });
    client = c;
    let failed = false;
    const fail = (): void => {
      if (failed) return;
      failed = true;
      if (client === c) client = null;
      c.end().catch(() => undefined);
      schedule();
    };
    c.on('error', fail);
    c.on('end', fail);
    c.on('notification', wakeAll);
    try {
      await c.connect();
      await c.query(`LISTEN "${channel}"`);
      if (closed) {
        await c.end();
        return;
      }
      backoff = minBackoff;
      wakeAll();
    } catch {
      fail();
    }
  }

  void connect();

  return {
    onWake(fn) {
      wakers.add(fn);
      return () => wakers.delete(fn);
    },
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      const c = client;
      client = null;
      wakers.clear();
      if (c !== null) {
        c.removeAllListeners('end');
        c.on('error', () => undefined);
        await c.end().catch(() => undefined);
      }
    },
  };
}

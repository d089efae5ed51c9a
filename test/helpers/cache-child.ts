// A second process with its own store + cache on the same Postgres, driven over stdin/stdout:
// `load id,id,…` caches sessions, `get id` reads one; it prints `evicted <id> <epoch ms>` when
// its feed removes a cached session. Used by the two-process test and the databroker bench.
import { createInterface } from 'node:readline';
import { openPostgresStore, openRecordCache } from '../../databroker/index.js';

const [url, schema, secret] = process.argv.slice(2);
const out = (line: string): void => void process.stdout.write(`${line}\n`);

const store = await openPostgresStore({
  connectionString: url!,
  schema: schema!,
  sharedSecret: secret!,
  poolSize: 4,
  pollMs: 500,
});
const cache = await openRecordCache(store, {
  onEvict: (_type, id) => out(`evicted ${id} ${performance.timeOrigin + performance.now()}`),
});
out('ready');
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, arg = ''] = line.split(' ');
  if (cmd === 'load') {
    const ids = arg.split(',').filter(Boolean);
    for (const id of ids) await cache.getSession(id);
    out(`loaded ${ids.filter((id) => cache.has('session', id)).length}`);
  } else if (cmd === 'get') {
    out(`get ${arg} ${JSON.stringify(await cache.getSession(arg))}`);
  } else if (cmd === 'quit') {
    break;
  }
}
await cache.close();
await store.close();

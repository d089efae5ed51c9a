// The autocert store in autocert_dir (Pomerium's way of sharing certificates between replicas
// through a shared folder): one JSON file per account and per host (private keys sealed), a
// lease file with an expiry taken with an exclusive create, and a poll of the folder for
// certificates another replica wrote.
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lease } from '../../databroker/index.js';
import type { AutocertStore, StoredCertificate } from './autocert-store.js';
import type { SecretSealer } from './seal-secret.js';

const POLL_MS = 5000;

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function writeJson(path: string, value: unknown): Promise<void> {
  const tmp = `${path}.${randomUUID()}.tmp`;
  await writeFile(tmp, JSON.stringify(value), { mode: 0o600 });
  await rename(tmp, path);
}

export function dirAutocertStore(dir: string, sealer: SecretSealer): AutocertStore {
  const certs = join(dir, 'certificates');
  const accounts = join(dir, 'accounts');
  const leasePath = join(dir, 'order.lease');
  const ready = Promise.all([
    mkdir(certs, { recursive: true, mode: 0o700 }),
    mkdir(accounts, { recursive: true, mode: 0o700 }),
  ]);
  const certFile = (host: string) => join(certs, `${host}.json`);
  return {
    kind: 'dir',
    async getAccount(id) {
      await ready;
      const a = await readJson<{ url: string; key: string }>(join(accounts, `${id}.json`));
      return a === null ? null : { url: a.url, key: sealer.open(a.key, `account:${id}`) };
    },
    async putAccount(id, directory, account) {
      await ready;
      await writeJson(join(accounts, `${id}.json`), {
        directory,
        url: account.url,
        key: sealer.seal(account.key, `account:${id}`),
      });
    },
    async getCertificate(host) {
      await ready;
      const c = await readJson<StoredCertificate>(certFile(host));
      return c === null ? null : { ...c, key: sealer.open(c.key, `certificate:${host}`) };
    },
    async putCertificate(c) {
      await ready;
      await writeJson(certFile(c.host), { ...c, key: sealer.seal(c.key, `certificate:${c.host}`) });
    },
    async lease(ttlMs): Promise<Lease | null> {
      await ready;
      const id = randomUUID();
      const take = async (): Promise<boolean> => {
        try {
          await writeFile(leasePath, JSON.stringify({ id, expires: Date.now() + ttlMs }), {
            flag: 'wx',
          });
          return true;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
          const held = await readJson<{ expires: number }>(leasePath).catch(() => null);
          if (held !== null && held.expires > Date.now()) return false;
          await unlink(leasePath).catch(() => undefined);
          return false;
        }
      };
      if (!(await take()) && !(await take())) return null;
      const mine = async () =>
        (await readJson<{ id: string }>(leasePath).catch(() => null))?.id === id;
      return {
        name: 'autocert_order',
        id,
        async renew(ms) {
          if (!(await mine())) return false;
          await writeJson(leasePath, { id, expires: Date.now() + ms });
          return true;
        },
        async release() {
          if (await mine()) await unlink(leasePath).catch(() => undefined);
        },
      };
    },
    async watch(fn) {
      await ready;
      const seen = new Map<string, number>();
      const scan = async (notify: boolean) => {
        for (const name of await readdir(certs)) {
          if (!name.endsWith('.json')) continue;
          const m = (await stat(join(certs, name)).catch(() => null))?.mtimeMs ?? 0;
          if (seen.get(name) !== m) {
            seen.set(name, m);
            if (notify) fn(name.slice(0, -'.json'.length));
          }
        }
      };
      await scan(false);
      const timer = setInterval(() => void scan(true).catch(() => undefined), POLL_MS);
      timer.unref();
      return async () => clearInterval(timer);
    },
  };
}

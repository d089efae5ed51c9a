// The autocert store in the databroker (the default): records acme_account and acme_certificate,
// the change feed tells every replica about a new certificate, and the databroker's lease
// (`autocert_order`, with expiry) lets one replica order at a time.
import type { RecordStore } from '../../databroker/index.js';
import type { AutocertStore, StoredCertificate } from './autocert-store.js';
import type { SecretSealer } from './seal-secret.js';

export const ORDER_LEASE = 'autocert_order';

export function databrokerAutocertStore(store: RecordStore, sealer: SecretSealer): AutocertStore {
  return {
    kind: 'databroker',
    async getAccount(id) {
      const r = await store.get('acme_account', id);
      if (r?.data == null) return null;
      return { url: r.data.url, key: sealer.open(r.data.key, `account:${id}`) };
    },
    async putAccount(id, directory, account) {
      await store.put([
        {
          type: 'acme_account',
          id,
          data: { id, directory, url: account.url, key: sealer.seal(account.key, `account:${id}`) },
        },
      ]);
    },
    async getCertificate(host) {
      const r = await store.get('acme_certificate', host);
      if (r?.data == null) return null;
      const d = r.data;
      return {
        host,
        cert: d.cert,
        key: sealer.open(d.key, `certificate:${host}`),
        issuer: d.issuer,
        serial: d.serial,
        notBefore: d.not_before,
        notAfter: d.not_after,
        renewAt: d.renew_at,
      } satisfies StoredCertificate;
    },
    async putCertificate(c) {
      await store.put([
        {
          type: 'acme_certificate',
          id: c.host,
          data: {
            id: c.host,
            cert: c.cert,
            key: sealer.seal(c.key, `certificate:${c.host}`),
            issuer: c.issuer,
            serial: c.serial,
            not_before: c.notBefore,
            not_after: c.notAfter,
            renew_at: c.renewAt,
          },
          expires_at: c.notAfter,
        },
      ]);
    },
    lease: (ttlMs) => store.lease(ORDER_LEASE, ttlMs),
    async watch(fn) {
      const sub = await store.subscribe({
        onChanges(changes) {
          for (const c of changes) if (c.type === 'acme_certificate' && c.data) fn(c.id);
        },
      });
      return () => sub.close();
    },
  };
}

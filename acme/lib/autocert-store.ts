// Where autocert keeps what replicas share: the ACME account, each host's certificate (private
// keys sealed, acme/lib/seal-secret.ts), the HTTP-01 answers and the ordering lease. Backed by
// the databroker (acme/lib/databroker-autocert-store.ts) or autocert_dir
// (acme/lib/dir-autocert-store.ts); both behind this one interface.
import type { Lease } from '../../databroker/index.js';

export interface StoredCertificate {
  readonly host: string;
  /** PEM chain. */
  readonly cert: string;
  /** PEM PKCS#8 key (opened). */
  readonly key: string;
  readonly issuer: string;
  readonly serial: string;
  readonly notBefore: number;
  readonly notAfter: number;
  /** When a replica holding the lease orders a new one (epoch ms). */
  readonly renewAt: number;
}

export interface StoredAccount {
  readonly url: string;
  /** PEM PKCS#8 of the account key (opened). */
  readonly key: string;
}

export interface AutocertStore {
  readonly kind: 'databroker' | 'dir';
  getAccount(id: string): Promise<StoredAccount | null>;
  putAccount(id: string, directory: string, account: StoredAccount): Promise<void>;
  getCertificate(host: string): Promise<StoredCertificate | null>;
  putCertificate(cert: StoredCertificate): Promise<void>;
  /** The ordering lease (one replica orders at a time). */
  lease(ttlMs: number): Promise<Lease | null>;
  /** Calls `fn(host)` when another replica stored a certificate; returns the stop. */
  watch(fn: (host: string) => void): Promise<() => Promise<void>>;
}

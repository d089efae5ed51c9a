// Cross-key rules of the global settings: secrets needed outside all-in-one mode, storage
// connection string for postgres, certificate/key pairs.
import { checkCaBundle } from './check-ca-bundles.js';
import type { RawIssue } from './raw-issue.js';

const has = (r: Record<string, unknown>, k: string): boolean =>
  (r[k] !== undefined && r[k] !== null) ||
  (r[`${k}_file`] !== undefined && r[`${k}_file`] !== null);

export function checkGlobalRules(r: Record<string, unknown>, out: RawIssue[]): void {
  checkCaBundle(r, 'certificate_authority', [], out);
  const services = typeof r.services === 'string' ? r.services.trim().toLowerCase() : 'all';
  if (services !== 'all' && services !== '' && !has(r, 'shared_secret')) {
    out.push({
      code: 'missing_key',
      path: ['services'],
      message: 'shared_secret is required unless services is all',
    });
  }
  const storage =
    typeof r.databroker_storage_type === 'string' ? r.databroker_storage_type.toLowerCase() : '';
  if (storage === 'postgres' && !has(r, 'databroker_storage_connection_string')) {
    out.push({
      code: 'missing_key',
      path: ['databroker_storage_type'],
      message: 'postgres needs databroker_storage_connection_string',
    });
  }
  for (const [a, b] of [
    ['certificate', 'certificate_key'],
    ['certificate_file', 'certificate_key_file'],
    ['grpc_client_certificate', 'grpc_client_certificate_key'],
    ['grpc_client_certificate_file', 'grpc_client_certificate_key_file'],
    ['databroker_storage_cert_file', 'databroker_storage_key_file'],
  ] as const) {
    if (has(r, a) !== has(r, b)) {
      out.push({
        code: 'missing_key',
        path: [has(r, a) ? a : b],
        message: `${a} and ${b} must be given together`,
      });
    }
  }
}

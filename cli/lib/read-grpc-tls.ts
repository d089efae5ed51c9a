// Reads the PEM material of the control plane's TLS from the config (base64 values or files,
// relative to the config's folder): the server certificates grpc_address presents (Pomerium's
// certificates / certificate / certificate_file), the CA of the callers' client certificates
// (grpc_client_ca), the CA that verifies our services (certificate_authority) and the client
// certificate Envoy presents (grpc_client_certificate). Read again at every reload: rotation.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { LoadedConfig } from '../../config/index.js';
import { PortcullisError } from '../../errors/index.js';

export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

export interface GrpcTlsMaterial {
  /** Server certificates, in config order (the first one answers when no SNI matches). */
  readonly serverPairs: readonly PemPair[];
  /** CA bundle of accepted client certificates (grpc_client_ca). */
  readonly clientCa?: string;
  /** CA verifying our own services (certificate_authority). */
  readonly ca?: string;
  /** Client certificate Envoy presents (grpc_client_certificate). */
  readonly clientCert?: PemPair;
}

function decoded(value: string): string | undefined {
  if (value.includes('-----BEGIN')) return value;
  if (!/^[A-Za-z0-9+/=\s]+$/.test(value)) return undefined;
  const text = Buffer.from(value, 'base64').toString();
  return text.includes('-----BEGIN') ? text : undefined;
}

export function readGrpcTlsMaterial(loaded: LoadedConfig): GrpcTlsMaterial {
  const c = loaded.config;
  const base = dirname(resolve(loaded.file));
  const file = (key: string, path: string): string => {
    try {
      return readFileSync(isAbsolute(path) ? path : resolve(base, path), 'utf8');
    } catch (err) {
      throw new PortcullisError(
        'CONFIG_INVALID',
        `${key}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    }
  };
  const inline = (key: string, value: string): string => {
    const pem = decoded(value);
    if (pem === undefined) throw new PortcullisError('CONFIG_INVALID', `${key}: not a base64 PEM`);
    return pem;
  };
  /** A `certificates[]` entry: PEM, base64 PEM or a file path. */
  const either = (key: string, value: string): string => decoded(value) ?? file(key, value);

  const serverPairs: PemPair[] = [];
  (c.certificates ?? []).forEach((p, i) => {
    serverPairs.push({
      cert: either(`certificates[${i}].cert`, p.cert),
      key: either(`certificates[${i}].key`, p.key),
    });
  });
  if (c.certificate !== undefined && c.certificate_key !== undefined) {
    serverPairs.push({
      cert: inline('certificate', c.certificate),
      key: inline('certificate_key', c.certificate_key),
    });
  }
  if (c.certificate_file !== undefined && c.certificate_key_file !== undefined) {
    serverPairs.push({
      cert: file('certificate_file', c.certificate_file),
      key: file('certificate_key_file', c.certificate_key_file),
    });
  }
  /** A PEM from the inline key, else from its `_file` form. */
  const inlineOrFile = (key: 'grpc_client_ca' | 'certificate_authority'): string | undefined => {
    const value = c[key];
    if (value !== undefined) return inline(key, value);
    const path = c[`${key}_file`];
    return path === undefined ? undefined : file(`${key}_file`, path);
  };
  const clientCa = inlineOrFile('grpc_client_ca');
  const ca = inlineOrFile('certificate_authority');
  let clientCert: PemPair | undefined;
  if (c.grpc_client_certificate !== undefined && c.grpc_client_certificate_key !== undefined) {
    clientCert = {
      cert: inline('grpc_client_certificate', c.grpc_client_certificate),
      key: inline('grpc_client_certificate_key', c.grpc_client_certificate_key),
    };
  } else if (
    c.grpc_client_certificate_file !== undefined &&
    c.grpc_client_certificate_key_file !== undefined
  ) {
    clientCert = {
      cert: file('grpc_client_certificate_file', c.grpc_client_certificate_file),
      key: file('grpc_client_certificate_key_file', c.grpc_client_certificate_key_file),
    };
  }
  return {
    serverPairs,
    ...(clientCa === undefined ? {} : { clientCa }),
    ...(ca === undefined ? {} : { ca }),
    ...(clientCert === undefined ? {} : { clientCert }),
  };
}

// What `portcullis validate` reports about the Envoy side of a config: the issues that would stop
// its snapshot from being published, as positioned config issues on the route they came from.
import { dirname } from 'node:path';
import type { ConfigIssue, LoadedConfig } from '../../config/index.js';
import { buildSnapshot } from '../build/build-snapshot.js';
import { endpointsFromConfig } from '../build/endpoints-from-config.js';
import { snapshotIssues } from './validate-snapshot.js';

// Not a real key pair: `validate` only needs the listener to have a certificate to check.
const PLACEHOLDER = {
  cert: '-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n',
  key: '-----BEGIN PRIVATE KEY-----\nMA==\n-----END PRIVATE KEY-----\n',
};

export function envoyConfigIssues(loaded: LoadedConfig): ConfigIssue[] {
  const config = loaded.config;
  const issues = snapshotIssues(
    buildSnapshot(config, {
      ...endpointsFromConfig(config),
      baseDir: dirname(loaded.file),
      devCertificate: PLACEHOLDER,
    }),
  );
  return issues.map((i): ConfigIssue => {
    const path = i.route === undefined ? [] : ['routes', i.route.index];
    const pos = loaded.locate(path) ?? { line: 0, column: 0 };
    const field = i.field === '' ? '' : ` ${i.field}`;
    return {
      code: 'invalid_value',
      file: loaded.file,
      line: pos.line,
      column: pos.column,
      path: i.route?.path ?? '',
      message: `${i.code}: ${i.resource}${field}: ${i.message}`,
    };
  });
}

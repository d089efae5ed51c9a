// Extension point of `portcullis validate`: further checks run on a config that passed the schema
// (e.g. policy compilation). Each returns positioned issues; add one entry per room.

import { readFileSync } from 'node:fs';
import { policyIssues } from '../../authz/policy/index.js';
import {
  type ConfigIssue,
  grpcTransport,
  type LoadedConfig,
  runsService,
} from '../../config/index.js';

/** A check run by `portcullis validate` after the schema passed; returns its problems (or none). */
export type ValidateCheck = (loaded: LoadedConfig) => Promise<readonly ConfigIssue[]>;

/** The checks `portcullis validate` runs, in order; issues use `loaded.locate(path)`. */
export const VALIDATE_CHECKS: readonly ValidateCheck[] = [
  // policy: every route's PPL (and legacy keys) compiles.
  async (loaded) => policyIssues(loaded),
  // control plane: what `portcullis start` refuses (plain-text gRPC on a network), when the file
  // or the environment names grpc_address/grpc_insecure (a policy-only file keeps validating).
  async (loaded) => {
    const c = loaded.config;
    if (!runsService(c, 'authorize') && !runsService(c, 'proxy')) return [];
    const t = grpcTransport(c);
    if (!('refused' in t)) return [];
    const at = c.grpc_insecure === true ? 'grpc_insecure' : 'grpc_address';
    const fromEnv = process.env[at.toUpperCase()] !== undefined;
    const inFile = new RegExp(`^${at}\\s*:`, 'm').test(readFileSync(loaded.file, 'utf8'));
    if (!inFile && !fromEnv) return [];
    const pos = inFile ? loaded.locate([at]) : undefined;
    return [
      {
        code: 'invalid_value',
        file: pos === undefined ? `env:${at.toUpperCase()}` : loaded.file,
        line: pos?.line ?? 0,
        column: pos?.column ?? 0,
        path: at,
        message: t.refused,
      },
    ];
  },
  // envoy: what would stop the config's Envoy snapshot from being published.
  async (loaded) => (await import('../../envoy/index.js')).envoyConfigIssues(loaded),
];

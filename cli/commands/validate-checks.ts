// Extension point of `portcullis validate`: further checks run on a config that passed the schema
// (e.g. policy compilation). Each returns positioned issues; add one entry per room.
import { policyIssues } from '../../authz/policy/index.js';
import type { ConfigIssue, LoadedConfig } from '../../config/index.js';

/** A check run by `portcullis validate` after the schema passed; returns its problems (or none). */
export type ValidateCheck = (loaded: LoadedConfig) => Promise<readonly ConfigIssue[]>;

/** The checks `portcullis validate` runs, in order; issues use `loaded.locate(path)`. */
export const VALIDATE_CHECKS: readonly ValidateCheck[] = [
  // policy: every route's PPL (and legacy keys) compiles.
  async (loaded) => policyIssues(loaded),
  // envoy: what would stop the config's Envoy snapshot from being published.
  async (loaded) => (await import('../../envoy/index.js')).envoyConfigIssues(loaded),
];

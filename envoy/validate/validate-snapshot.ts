// Validation before publishing: the snapshot must be consistent, and every resource must encode
// against Envoy's protos (unknown fields, wrong types, protoc-gen-validate rules). The result is
// either the encoded snapshot the ADS server serves, or every issue, each naming its route.
import { createHash } from 'node:crypto';
import { encodeMessage } from '../../protos/index.js';
import { checkProtoMessage } from '../lib/check-proto-message.js';
import { envoyProtoRoot, envoyType } from '../lib/envoy-proto-root.js';
import { type ResourceKind, SECRET_TYPE_URL, TYPE_URLS } from '../lib/names.js';
import type { EnvoyIssue, NamedResource, Snapshot } from '../types.js';
import { checkSnapshotConsistency, originOf } from './check-snapshot-consistency.js';

/** A resource as ADS sends it: a google.protobuf.Any. */
export interface EncodedResource {
  readonly name: string;
  readonly type_url: string;
  readonly value: Uint8Array;
}

/** What the protocol server publishes: per type URL, a version and encoded resources. */
export interface EncodedSnapshot {
  readonly version: string;
  readonly types: ReadonlyMap<
    string,
    { readonly version: string; readonly resources: readonly EncodedResource[] }
  >;
}

export type ValidationResult =
  | { readonly ok: true; readonly encoded: EncodedSnapshot }
  | { readonly ok: false; readonly issues: readonly EnvoyIssue[] };

const LABEL: Record<ResourceKind, string> = {
  cluster: 'cluster',
  listener: 'listener',
  route: 'route_configuration',
};

/** Checks one resource of `typeName` (e.g. `envoy.config.bootstrap.v3.Bootstrap`) against the protos. */
export function checkResource(
  typeName: string,
  item: NamedResource,
  label: string,
  opts: { readonly encode?: boolean } = {},
): { issues: EnvoyIssue[]; value?: Uint8Array } {
  const root = envoyProtoRoot();
  const type = envoyType(typeName);
  const encode = opts.encode !== false;
  const { value, problems } = checkProtoMessage(root, type, item.resource, { encode });
  const issues = problems.map((p): EnvoyIssue => {
    const route = originOf(item, p.field);
    return {
      code: 'ENVOY_RESOURCE_INVALID',
      resource: label,
      field: p.field,
      message: p.message,
      ...(route === undefined ? {} : { route }),
    };
  });
  if (issues.length > 0 || value === undefined || !encode) return { issues };
  return { issues, value: encodeMessage(type, value) };
}

/**
 * The issues validateSnapshot would report, without encoding anything (`portcullis validate`:
 * nothing is published, and encoding was a fifth of checking a large snapshot).
 */
export function snapshotIssues(snapshot: Snapshot): EnvoyIssue[] {
  const issues: EnvoyIssue[] = [...snapshot.buildIssues, ...checkSnapshotConsistency(snapshot)];
  for (const kind of ['cluster', 'listener', 'route'] as const) {
    const url = TYPE_URLS[kind];
    const typeName = url.slice(url.indexOf('/') + 1);
    for (const item of snapshot.resources[kind]) {
      issues.push(
        ...checkResource(typeName, item, `${LABEL[kind]} ${item.name}`, { encode: false }).issues,
      );
    }
  }
  return issues;
}

export function validateSnapshot(snapshot: Snapshot): ValidationResult {
  const issues: EnvoyIssue[] = [...snapshot.buildIssues, ...checkSnapshotConsistency(snapshot)];
  const types = new Map<string, { version: string; resources: EncodedResource[] }>();
  for (const kind of ['cluster', 'listener', 'route'] as const) {
    const url = TYPE_URLS[kind];
    const typeName = url.slice(url.indexOf('/') + 1);
    const resources: EncodedResource[] = [];
    const hash = createHash('sha256');
    for (const item of snapshot.resources[kind]) {
      const r = checkResource(typeName, item, `${LABEL[kind]} ${item.name}`);
      issues.push(...r.issues);
      if (r.value !== undefined) {
        resources.push({ name: item.name, type_url: url, value: r.value });
        hash.update(item.name).update('\0').update(r.value);
      }
    }
    types.set(url, { version: hash.digest('hex').slice(0, 16), resources });
  }
  // SDS secrets (autocert): a type of their own, so a renewed certificate changes only its version.
  if ((snapshot.secrets ?? []).length > 0) {
    const typeName = SECRET_TYPE_URL.slice(SECRET_TYPE_URL.indexOf('/') + 1);
    const resources: EncodedResource[] = [];
    const hash = createHash('sha256');
    for (const item of snapshot.secrets ?? []) {
      const r = checkResource(typeName, item, `secret ${item.name}`);
      issues.push(...r.issues);
      if (r.value !== undefined) {
        resources.push({ name: item.name, type_url: SECRET_TYPE_URL, value: r.value });
        hash.update(item.name).update('\0').update(r.value);
      }
    }
    types.set(SECRET_TYPE_URL, { version: hash.digest('hex').slice(0, 16), resources });
  }
  if (issues.length > 0) return { ok: false, issues };
  const all = createHash('sha256');
  for (const t of types.values()) all.update(t.version);
  return { ok: true, encoded: { version: all.digest('hex').slice(0, 16), types } };
}

// Who the session belongs to, as the policy sees it: the user record (email, claims), the IdP's
// groups (the session's groups plus the configured groups claim) and the group records that
// list the user or are named by those groups (their ids and names both match `groups`).
import type { RecordCache, Session, User } from '../../databroker/index.js';
import { canonicalEmail } from '../../wire/index.js';
import type { PolicyIdentity } from '../policy/types.js';
import type { GroupIndex } from './group-index.js';

export interface ResolvedIdentity {
  readonly identity: PolicyIdentity;
  readonly user: User | null;
  /** `name` claim of the session (joined with `,`), else the user's name. */
  readonly name: string;
}

function strings(values: readonly unknown[] | undefined): string[] {
  return (values ?? []).filter((v): v is string => typeof v === 'string');
}

function mergeClaims(
  session: Readonly<Record<string, readonly unknown[]>>,
  user: Readonly<Record<string, readonly unknown[]>> | undefined,
): Record<string, readonly unknown[]> {
  const out: Record<string, readonly unknown[]> = Object.create(null);
  for (const [k, v] of Object.entries(user ?? {})) out[k] = v;
  for (const [k, v] of Object.entries(session)) out[k] = v;
  return out;
}

export interface IdentityResolver {
  (cache: RecordCache, session: Session, groupsClaim: string): Promise<ResolvedIdentity>;
  /**
   * The identity resolved earlier for these very records, from memory only; undefined when the
   * async resolver must answer (user not cached, groups changed, or nothing resolved yet).
   * Throws STORE_UNAVAILABLE like the resolver when the group index is stale.
   */
  peek(cache: RecordCache, session: Session, groupsClaim: string): ResolvedIdentity | undefined;
}

/**
 * Resolves identities, reusing the result while the (frozen, cached) session and user records
 * are the same objects and no group record changed: the hot path then does no work here.
 */
export function createIdentityResolver(groups: GroupIndex): IdentityResolver {
  const memo = new WeakMap<
    Session,
    { user: User | null; version: number; claim: string; resolved: ResolvedIdentity }
  >();
  const resolver = async (cache: RecordCache, session: Session, groupsClaim: string) => {
    const user = session.user_id ? await cache.getUser(session.user_id) : null;
    const version = groups.version();
    const m = memo.get(session);
    if (m && m.user === user && m.version === version && m.claim === groupsClaim) {
      return m.resolved;
    }
    const resolved = await resolveIdentity(groups, session, user, groupsClaim);
    if (version !== null && Object.isFrozen(session)) {
      memo.set(session, { user, version, claim: groupsClaim, resolved });
    }
    return resolved;
  };
  const peek: IdentityResolver['peek'] = (cache, session, groupsClaim) => {
    const m = memo.get(session);
    if (m === undefined || m.claim !== groupsClaim) return undefined;
    const user = session.user_id ? cache.peekUser(session.user_id) : null;
    if (user === undefined || m.user !== user) return undefined;
    return m.version === groups.version() ? m.resolved : undefined;
  };
  return Object.assign(resolver, { peek });
}

export async function resolveIdentity(
  groups: GroupIndex,
  session: Session,
  user: User | null,
  groupsClaim: string,
): Promise<ResolvedIdentity> {
  const claims = mergeClaims(session.claims, user?.claims);
  const idpGroups = [...new Set([...session.groups, ...strings(claims[groupsClaim])])];
  const records = await groups.groupsFor(session.user_id, idpGroups);
  const all = new Set(idpGroups);
  for (const g of records) {
    all.add(g.id);
    if (g.name) all.add(g.name);
  }
  const sessionName = strings(session.claims.name).join(',');
  return Object.freeze({
    identity: Object.freeze({
      sessionId: session.id,
      userId: session.user_id,
      // only the user record's email (authn stored it canonical and verified, or empty); the
      // raw `email` claim never stands in for it (wire/identity-strings.ts)
      email: canonicalEmail(user?.email ?? ''),
      groups: [...all],
      claims,
    }),
    user,
    name: sessionName || user?.name || '',
  });
}

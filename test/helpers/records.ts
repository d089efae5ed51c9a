// Record fixtures for databroker tests: valid sessions, users and groups with a few overrides.
import type { Group, Session, User } from '../../databroker/index.js';

export function sessionData(id: string, overrides: Partial<Session> = {}): Session {
  return {
    id,
    user_id: 'u1',
    idp_id: 'idp1',
    issued_at: 1_700_000_000_000,
    expires_at: 0,
    accessed_at: 1_700_000_000_000,
    oauth_token: {
      access_token: `access-${id}-SECRET`,
      token_type: 'Bearer',
      refresh_token: `refresh-${id}-SECRET`,
      expires_at: 1_700_000_360_000,
    },
    id_token: {
      issuer: 'https://idp.example.com',
      subject: 'sub-1',
      issued_at: 1_700_000_000_000,
      expires_at: 1_700_000_360_000,
      raw: `eyJ.idtoken-${id}-SECRET.sig`,
    },
    claims: { email: ['a@example.com'], department: ['sales'] },
    audience: ['app.example.com'],
    groups: ['eng'],
    ...overrides,
  };
}

export function userData(id: string, overrides: Partial<User> = {}): User {
  return { id, email: `${id}@example.com`, name: `User ${id}`, claims: {}, ...overrides };
}

export function groupData(id: string, overrides: Partial<Group> = {}): Group {
  return { id, name: `Group ${id}`, member_ids: [], ...overrides };
}

/** Resolves when `check` returns true (polls), or rejects after `ms`. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 5000,
): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

// What one Check carries through the pipeline of authz/check.ts: its long-lived collaborators
// and what each step learns (also the material of the `authorize` log line).

import type { RecordCache, RecordStore, Session } from '../../databroker/index.js';
import type { JsonRpcBody } from '../../mcp/index.js';
import type { CookiePair, SessionHandleClaims, TokenCandidate } from '../../wire/index.js';
import type { CertificateJudge } from '../mtls/judge-client-certificate.js';
import type { PolicyDecision, PolicyRequest } from '../policy/types.js';
import type { createIdentityHeaderCache } from '../respond/build-allow-response.js';
import type { BearerAuthenticator } from '../session/bearer/authenticate-bearer.js';
import type { IdentityResolver, ResolvedIdentity } from '../session/resolve-identity.js';
import type { AssertionSigner } from '../session/sign-assertion.js';
import type { TokenVerifier } from '../session/verify-session-token.js';
import type { AuthzState, RouteState } from './authz-state.js';
import type { AuthzRequest } from './authz-types.js';

/** Long-lived collaborators of every Check. */
export interface CheckDeps {
  cache(): Promise<RecordCache>;
  /** The cache once it is open (for the synchronous fast paths), else null. */
  cacheNow(): RecordCache | null;
  readonly identities: IdentityResolver;
  readonly identityHeaders: ReturnType<typeof createIdentityHeaderCache>;
  readonly verifier: TokenVerifier;
  readonly signer: AssertionSigner;
  readonly certs: CertificateJudge;
  readonly bearer: BearerAuthenticator;
  /** The databroker, for the few writes authz makes (MCP upstream tokens, docs/mcp.md). */
  readonly store?: RecordStore;
}

/** What one Check learns on its way (also the material of the `authorize` log line). */
export interface CheckContext {
  readonly state: AuthzState;
  readonly deps: CheckDeps;
  readonly req: AuthzRequest;
  readonly now: number;
  route?: RouteState;
  policyRequest?: PolicyRequest;
  cookies?: readonly CookiePair[];
  tokens?: readonly TokenCandidate[];
  handle?: SessionHandleClaims | null;
  session?: Session | null;
  resolved?: ResolvedIdentity | null;
  decision?: PolicyDecision;
  /** The JSON-RPC messages of an MCP server route's request (docs/mcp.md). */
  mcp?: JsonRpcBody;
}

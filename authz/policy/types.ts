// The policy engine's contract: the small internal request and identity it decides on, and the
// decision it returns. Defined once; authz converts Envoy's CheckRequest into these, the CLI
// (`portcullis policy eval|test`) builds them from JSON. Nothing here knows about protos.

/** The client certificate Envoy saw on the downstream TLS connection. */
export interface PolicyClientCertificate {
  /** A certificate was presented. */
  readonly presented: boolean;
  /** It chains to the configured client CA (route CA, else downstream_mtls CA), unrevoked. */
  readonly valid: boolean;
  /** PEM of the leaf certificate (absent when not presented). */
  readonly leafPem?: string;
}

/** What criteria can see of one HTTP request (docs/pomerium-behaviour.md §1.8). */
export interface PolicyRequest {
  /** As sent, e.g. `GET`. */
  readonly method: string;
  /** `:authority` as sent (may carry a port). */
  readonly host: string;
  /** Host without port, lower-case. */
  readonly hostname: string;
  /** URL-decoded path without the query. */
  readonly path: string;
  /** Path as sent, without the query. */
  readonly rawPath: string;
  /** Query string without `?` ('' when none). */
  readonly rawQuery: string;
  /** `https://host/rawPath?rawQuery` (scheme forced to https). */
  readonly url: string;
  /** Header names lower-case; one string per header (repeated headers joined with `,`). */
  readonly headers: Readonly<Record<string, string>>;
  /** Downstream client IP as Envoy computed it ('' when unknown). */
  readonly sourceIp: string;
  readonly clientCertificate: PolicyClientCertificate;
  /**
   * The JSON-RPC call of a request on an MCP server route (docs/mcp.md): `method` ('' for none,
   * e.g. a GET) and the tool of a `tools/call`. Absent on other routes.
   */
  readonly mcp?: PolicyMcpCall;
}

/** What the `mcp_tool` criterion sees of an MCP request. */
export interface PolicyMcpCall {
  readonly method: string;
  readonly tool: string | null;
}

/** The signed-in user behind a request (absent/null = anonymous). */
export interface PolicyIdentity {
  readonly sessionId: string;
  readonly userId: string;
  readonly email: string;
  /** Groups from the IdP's groups claim plus group records that list the user (ids and names). */
  readonly groups: readonly string[];
  /** Flattened claims, each a list of values (session claims merged with user claims). */
  readonly claims: Readonly<Record<string, readonly unknown[]>>;
}

/** The three outcomes of a decision. */
export type PolicyOutcome = 'allow' | 'deny' | 'login';

/**
 * HTTP status of the decision: 200 allow; 302/401 login (by client kind, see `loginStatus`);
 * 403 denied; 404 unknown route; 495 client certificate missing or invalid.
 */
export type PolicyStatus = 200 | 302 | 401 | 403 | 404 | 495;

/** One criterion that failed (for denials) in words a user can act on. */
export interface PolicyFailure {
  /** Criterion key as written, e.g. `groups`, `claim/department`, `email`. */
  readonly criterion: string;
  /** What the policy wanted, e.g. "groups must contain `admins`". */
  readonly wanted: string;
  /** What this request had, e.g. "you are in `eng`, `ops`" ('' when nothing to say). */
  readonly got: string;
  /** The reason string (§1.6) this criterion produced, e.g. `groups-unauthorized`. */
  readonly reason: string;
}

/** The output of one evaluation (shape of `portcullis policy eval`, docs/architecture.md). */
export interface PolicyDecision {
  readonly outcome: PolicyOutcome;
  readonly status: PolicyStatus;
  /** The reasons that decided the outcome, sorted (deny reasons for a denial by deny rule, …). */
  readonly reasons: readonly string[];
  /** Reasons of the merged allow result, sorted. */
  readonly allowReasons: readonly string[];
  /** Reasons of the merged deny result, sorted. */
  readonly denyReasons: readonly string[];
  /** Merged allow/deny values (Pomerium's authorize log fields). */
  readonly allow: boolean;
  readonly deny: boolean;
  /** The failing criteria behind a denial (empty for allow/login). */
  readonly failures: readonly PolicyFailure[];
  /** One human sentence (or a few joined by '; '): why. Used by the 403 page and the logs. */
  readonly explanation: string;
}

/** Evaluation options: the clock is injected (date / day_of_week / time_of_day criteria). */
export interface EvaluateOptions {
  /** Now, as epoch ms. */
  readonly now: number;
  /**
   * Only the outcome is read (the routes portal): a denial may come without its failures and
   * explanation. Outcome, status and reasons are the same either way.
   */
  readonly outcomeOnly?: boolean;
}

/** One route's policy, compiled once at config load into closures. */
export interface CompiledPolicy {
  readonly routeId: string;
  /**
   * Decides one request. `login` carries status 302 when the request looks like a browser's
   * (docs/pomerium-behaviour.md §3.6), else 401.
   */
  evaluate(
    request: PolicyRequest,
    identity: PolicyIdentity | null,
    opts: EvaluateOptions,
  ): PolicyDecision;
}

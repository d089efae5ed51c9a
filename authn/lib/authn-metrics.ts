// Prometheus counters of authn (text exposition format 0.0.4), rendered when scraped:
// completed sign-ins (the IdP callback that set the session), refused or failed requests by
// error code, and token refreshes of the background job by outcome. Listed in
// docs/observability.md.

export interface AuthnMetrics {
  signIn(): void;
  failure(reason: string): void;
  refresh(outcome: string): void;
  render(): string;
}

function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function counter(name: string, help: string, key: string, m: ReadonlyMap<string, number>): string {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} counter`];
  for (const [k, n] of m) lines.push(`${name}{${key}="${label(k)}"} ${n}`);
  return `${lines.join('\n')}\n`;
}

export function createAuthnMetrics(): AuthnMetrics {
  let signIns = 0;
  const failures = new Map<string, number>();
  const refreshes = new Map<string, number>([
    ['refreshed', 0],
    ['ended', 0],
    ['retry', 0],
  ]);
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  return {
    signIn() {
      signIns++;
    },
    failure(reason) {
      bump(failures, reason);
    },
    refresh(outcome) {
      bump(refreshes, outcome);
    },
    render() {
      return [
        '# HELP portcullis_authn_sign_ins_total Sign-ins completed (IdP callback set a session).\n',
        '# TYPE portcullis_authn_sign_ins_total counter\n',
        `portcullis_authn_sign_ins_total ${signIns}\n`,
        counter(
          'portcullis_authn_failures_total',
          'authn requests refused or failed, by error code.',
          'reason',
          failures,
        ),
        counter(
          'portcullis_authn_refreshes_total',
          'IdP token refreshes of the background job, by outcome (refreshed, ended, retry).',
          'outcome',
          refreshes,
        ),
      ].join('');
    },
  };
}

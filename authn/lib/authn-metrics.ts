// Prometheus counters of authn (text exposition format 0.0.4), rendered when scraped:
// completed sign-ins (the IdP callback that set the session), refused or failed requests by
// error code, and token refreshes of the background job by outcome. Listed in
// docs/observability.md.
import { byLabel, metricFamily } from '../../wire/index.js';

export interface AuthnMetrics {
  signIn(): void;
  failure(reason: string): void;
  refresh(outcome: string): void;
  render(): string;
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
      const lines = [
        ...metricFamily(
          'portcullis_authn_sign_ins_total',
          'counter',
          'Sign-ins completed (IdP callback set a session).',
          [[{}, signIns]],
        ),
        ...metricFamily(
          'portcullis_authn_failures_total',
          'counter',
          'authn requests refused or failed, by error code.',
          byLabel('reason', failures),
        ),
        ...metricFamily(
          'portcullis_authn_refreshes_total',
          'counter',
          'IdP token refreshes of the background job, by outcome (refreshed, ended, retry).',
          byLabel('outcome', refreshes),
        ),
      ];
      return `${lines.join('\n')}\n`;
    },
  };
}

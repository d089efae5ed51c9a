// Readiness of the whole process, told truthfully: a set of named conditions (Envoy rejected its
// configuration, the databroker is unreachable…) each with a problem or none. Every service's
// health endpoint follows it (authz gRPC health NOT_SERVING, authn GET /healthz 503) and
// /metrics shows it (portcullis_ready, portcullis_not_ready{condition}).

export interface ProcessHealth {
  /** Sets (problem) or clears (null) one condition. */
  set(condition: string, problem: string | null): void;
  /** The first problem ("condition: problem"), or null when ready. */
  problem(): string | null;
  /** Called with problem() whenever it may have changed. */
  onChange(fn: (problem: string | null) => void): void;
  /**
   * Sets (note) or clears (null) something that needs attention while the process stays ready
   * (an autocert renewal failed but the previous certificate serves): shown on /healthz.
   */
  degrade(condition: string, note: string | null): void;
  /** Called with every degraded note ("condition: note; …"), or null, when they change. */
  onDegraded(fn: (note: string | null) => void): void;
  /** Prometheus text. */
  metrics(): string;
}

export function createProcessHealth(): ProcessHealth {
  const problems = new Map<string, string>();
  const seen = new Set<string>();
  const watchers: ((problem: string | null) => void)[] = [];
  const notes = new Map<string, string>();
  const noteWatchers: ((note: string | null) => void)[] = [];
  const problem = (): string | null => {
    const first = problems.entries().next();
    return first.done ? null : `${first.value[0]}: ${first.value[1]}`;
  };
  return {
    set(condition, p) {
      seen.add(condition);
      const before = problems.get(condition);
      if (p === null) problems.delete(condition);
      else problems.set(condition, p);
      if (before !== (p ?? undefined)) for (const w of watchers) w(problem());
    },
    problem,
    onChange(fn) {
      watchers.push(fn);
    },
    degrade(condition, note) {
      const before = notes.get(condition);
      if (note === null) notes.delete(condition);
      else notes.set(condition, note);
      if (before === (note ?? undefined)) return;
      const all = notes.size === 0 ? null : [...notes].map(([c, n]) => `${c}: ${n}`).join('; ');
      for (const w of noteWatchers) w(all);
    },
    onDegraded(fn) {
      noteWatchers.push(fn);
    },
    metrics() {
      const lines = [
        '# HELP portcullis_ready 1 when every service of this process is ready (Envoy accepted its configuration, the databroker answers).',
        '# TYPE portcullis_ready gauge',
        `portcullis_ready ${problems.size === 0 ? 1 : 0}`,
        '# HELP portcullis_not_ready 1 for each condition that keeps the process from being ready.',
        '# TYPE portcullis_not_ready gauge',
        ...[...seen]
          .sort()
          .map((c) => `portcullis_not_ready{condition="${c}"} ${problems.has(c) ? 1 : 0}`),
        '# HELP portcullis_degraded 1 for each condition that needs attention while the process stays ready.',
        '# TYPE portcullis_degraded gauge',
        ...[...notes.keys()].sort().map((c) => `portcullis_degraded{condition="${c}"} 1`),
      ];
      return `${lines.join('\n')}\n`;
    },
  };
}

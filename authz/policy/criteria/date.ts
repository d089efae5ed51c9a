// `date` (ours): the local date-time in `time_zone` is at or after `after` and before `before`
// (either may be left out), e.g. `{after: 2026-12-01, before: 2027-01-01T08:00, time_zone: UTC}`.
import { type CriterionCompiler, q } from '../lib/criterion.js';
import { requestCriterion } from '../lib/session-criterion.js';
import { parseLocalDate, timeObject } from '../lib/time-value.js';
import { formatWall } from '../lib/time-zone.js';

export const compileDate: CriterionCompiler = (value, _sub, ctx) => {
  const t = timeObject(value, ['after', 'before'], ctx);
  if (t === undefined) return undefined;
  const { obj, zone } = t;
  if (obj.after === undefined && obj.before === undefined) {
    ctx.problem('date needs after, before or both');
    return undefined;
  }
  const bound = (k: 'after' | 'before'): number | undefined | null => {
    if (obj[k] === undefined) return undefined;
    const v = parseLocalDate(obj[k]);
    if (v === undefined) {
      ctx.problem(`${k} needs a local date YYYY-MM-DD or date-time YYYY-MM-DDTHH:MM[:SS]`, [k]);
      return null;
    }
    return v;
  };
  const after = bound('after');
  const before = bound('before');
  if (after === null || before === null) return undefined;
  if (after !== undefined && before !== undefined && after >= before) {
    ctx.problem('after must be earlier than before', ['before']);
    return undefined;
  }
  const lo = after ?? Number.NEGATIVE_INFINITY;
  const hi = before ?? Number.POSITIVE_INFINITY;
  const range = [
    after === undefined ? '' : `from ${q(obj.after)}`,
    before === undefined ? '' : `before ${q(obj.before)}`,
  ]
    .filter((s) => s !== '')
    .join(' and ');
  return requestCriterion(
    'date',
    'date-ok',
    'date-unauthorized',
    {
      wanted: `the date in ${zone.name} must be ${range}`,
      wantedNot: `the date in ${zone.name} must not be ${range}`,
    },
    (_req, _id, now) => {
      const wall = zone.wall(now);
      return wall >= lo && wall < hi;
    },
    (_req, _id, now) => `it is ${formatWall(zone.wall(now))} in ${zone.name}`,
  );
};

// `time_of_day` (ours): the local time in `time_zone` is at or after `after` and before `before`;
// when after > before the window spans midnight: `{after: "22:00", before: "06:00", time_zone: UTC}`.
import { type CriterionCompiler, q } from '../lib/criterion.js';
import { requestCriterion } from '../lib/session-criterion.js';
import { parseTimeOfDay, timeObject } from '../lib/time-value.js';
import { formatWall, msOfDay } from '../lib/time-zone.js';

export const compileTimeOfDay: CriterionCompiler = (value, _sub, ctx) => {
  const t = timeObject(value, ['after', 'before'], ctx);
  if (t === undefined) return undefined;
  const { obj, zone } = t;
  if (obj.after === undefined && obj.before === undefined) {
    ctx.problem('time_of_day needs after, before or both');
    return undefined;
  }
  const bound = (k: 'after' | 'before', dflt: number): number | undefined => {
    if (obj[k] === undefined) return dflt;
    const v = parseTimeOfDay(obj[k]);
    if (v === undefined) ctx.problem(`${k} needs a time HH:MM or HH:MM:SS (00:00 to 24:00)`, [k]);
    return v;
  };
  const after = bound('after', 0);
  const before = bound('before', 86_400_000);
  if (after === undefined || before === undefined) return undefined;
  if (after === before) {
    ctx.problem('after and before must differ', ['before']);
    return undefined;
  }
  const wraps = after > before;
  const range = [
    obj.after === undefined ? '' : `from ${q(obj.after)}`,
    obj.before === undefined ? '' : `before ${q(obj.before)}`,
  ]
    .filter((s) => s !== '')
    .join(wraps ? ' or ' : ' and ');
  return requestCriterion(
    'time_of_day',
    'time-of-day-ok',
    'time-of-day-unauthorized',
    {
      wanted: `the time in ${zone.name} must be ${range}`,
      wantedNot: `the time in ${zone.name} must not be ${range}`,
    },
    wraps
      ? (_req, _id, now) => {
          const ms = msOfDay(zone.wall(now));
          return ms >= after || ms < before;
        }
      : (_req, _id, now) => {
          const ms = msOfDay(zone.wall(now));
          return ms >= after && ms < before;
        },
    (_req, _id, now) => `it is ${formatWall(zone.wall(now)).slice(11)} in ${zone.name}`,
  );
};

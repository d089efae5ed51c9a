// `day_of_week` (ours): the local weekday in `time_zone` is one of `days`, given as names (mon,
// monday, …), ranges (mon-fri, fri-mon wraps) or a comma list of them: `{days: mon-fri, time_zone: UTC}`.
import type { CompileContext, CriterionCompiler } from '../lib/criterion.js';
import { requestCriterion } from '../lib/session-criterion.js';
import { timeObject } from '../lib/time-value.js';
import { dayOfWeek } from '../lib/time-zone.js';

const NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function dayIndex(word: string): number | undefined {
  const w = word.trim().toLowerCase();
  const i = NAMES.findIndex((n) => n === w || n.slice(0, 3) === w);
  return i < 0 ? undefined : i;
}

/** A 7-bit mask (bit 0 = Sunday) of the days, or undefined after reporting a problem. */
export function parseDays(value: unknown, ctx: CompileContext): number | undefined {
  const items =
    typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  if (items === undefined || items.length === 0 || !items.every((x) => typeof x === 'string')) {
    ctx.problem('days needs day names or ranges: "mon-fri", [sat, sun]', ['days']);
    return undefined;
  }
  let mask = 0;
  for (const item of items as string[]) {
    const [a = '', b, ...rest] = item.split('-');
    const from = dayIndex(a);
    const to = b === undefined ? from : dayIndex(b);
    if (from === undefined || to === undefined || rest.length > 0) {
      ctx.problem(`"${item}" is not a day name or range (use mon … sun, e.g. mon-fri)`, ['days']);
      return undefined;
    }
    for (let d = from; ; d = (d + 1) % 7) {
      mask |= 1 << d;
      if (d === to) break;
    }
  }
  return mask;
}

export const compileDayOfWeek: CriterionCompiler = (value, _sub, ctx) => {
  const t = timeObject(value, ['days'], ctx);
  if (t === undefined) return undefined;
  const mask = parseDays(t.obj.days, ctx);
  if (mask === undefined) return undefined;
  const zone = t.zone;
  const list = NAMES.filter((_, i) => (mask & (1 << i)) !== 0)
    .map((n) => n[0]!.toUpperCase() + n.slice(1))
    .join(', ');
  return requestCriterion(
    'day_of_week',
    'day-of-week-ok',
    'day-of-week-unauthorized',
    {
      wanted: `the day in ${zone.name} must be one of ${list}`,
      wantedNot: `the day in ${zone.name} must not be one of ${list}`,
    },
    (_req, _id, now) => (mask & (1 << dayOfWeek(zone.wall(now)))) !== 0,
    (_req, _id, now) => {
      const n = NAMES[dayOfWeek(zone.wall(now))]!;
      return `it is ${n[0]!.toUpperCase()}${n.slice(1)} in ${zone.name}`;
    },
  );
};

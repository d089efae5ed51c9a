// Shared parsing of the date/time criteria values: an object of known keys with a required IANA
// `time_zone`, local dates (`2026-12-24`, `2026-12-24T18:00[:ss]`) and times of day (`09:30[:ss]`).
import type { CompileContext } from './criterion.js';
import { type TimeZone, timeZone } from './time-zone.js';

/** The value as an object with only `keys`, and its zone; problems reported otherwise. */
export function timeObject(
  value: unknown,
  keys: readonly string[],
  ctx: CompileContext,
): { obj: Record<string, unknown>; zone: TimeZone } | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.problem(`needs an object with ${keys.join(', ')} and time_zone`);
    return undefined;
  }
  const obj = value as Record<string, unknown>;
  let ok = true;
  for (const k of Object.keys(obj)) {
    if (k !== 'time_zone' && !keys.includes(k)) {
      ctx.problem(`unknown key "${k}" (use ${keys.join(', ')}, time_zone)`, [k]);
      ok = false;
    }
  }
  const tz = obj.time_zone;
  if (typeof tz !== 'string' || tz === '') {
    ctx.problem('needs time_zone: an IANA time zone such as Europe/Berlin or UTC');
    return undefined;
  }
  const zone = timeZone(tz);
  if (zone === undefined) {
    ctx.problem(`unknown time zone "${tz}" (use an IANA name such as Europe/Berlin or UTC)`, [
      'time_zone',
    ]);
    return undefined;
  }
  return ok ? { obj, zone } : undefined;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** A local date (or date-time) as wall milliseconds, or undefined when malformed. */
export function parseLocalDate(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = DATE.exec(text);
  if (m === null) return undefined;
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const wall = Date.UTC(y!, mo! - 1, d!, h, mi, s);
  const back = new Date(wall);
  // reject 2026-02-30, 25:00 …
  if (back.getUTCMonth() !== mo! - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h) {
    return undefined;
  }
  if (mi > 59 || s > 59) return undefined;
  return wall;
}

const TIME = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** A time of day as milliseconds since midnight, or undefined when malformed. */
export function parseTimeOfDay(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const m = TIME.exec(text);
  if (m === null) return undefined;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const s = m[3] === undefined ? 0 : Number(m[3]);
  if (h > 24 || mi > 59 || s > 59 || (h === 24 && (mi > 0 || s > 0))) return undefined;
  return ((h * 60 + mi) * 60 + s) * 1000;
}

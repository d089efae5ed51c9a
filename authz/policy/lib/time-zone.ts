// Wall-clock time in an IANA time zone, cheaply: the zone's UTC offset is computed with Intl
// once per quarter hour of UTC (every real offset change falls on one) and cached per zone.
const QUARTER_HOUR = 900_000;

export interface TimeZone {
  readonly name: string;
  /** `now` shifted by the zone's offset: read it with getUTC* / the helpers below. */
  wall(now: number): number;
}

const zones = new Map<string, TimeZone>();

function offsetAt(format: Intl.DateTimeFormat, at: number): number {
  const p: Record<string, number> = {};
  for (const part of format.formatToParts(at)) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour! % 24, p.minute!, p.second!);
  return wall - (at - (((at % 1000) + 1000) % 1000));
}

/** The zone named `name`, or undefined when Intl does not know it. */
export function timeZone(name: string): TimeZone | undefined {
  const hit = zones.get(name);
  if (hit !== undefined) return hit;
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: name,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch {
    return undefined;
  }
  let bucket = Number.NaN;
  let offset = 0;
  const zone: TimeZone = {
    name,
    wall(now) {
      const b = Math.floor(now / QUARTER_HOUR);
      if (b !== bucket) {
        offset = offsetAt(format, b * QUARTER_HOUR);
        bucket = b;
      }
      return now + offset;
    },
  };
  zones.set(name, zone);
  return zone;
}

const DAY = 86_400_000;

/** Milliseconds since local midnight. */
export const msOfDay = (wall: number): number => ((wall % DAY) + DAY) % DAY;

/** 0 = Sunday … 6 = Saturday. */
export const dayOfWeek = (wall: number): number => (((Math.floor(wall / DAY) + 4) % 7) + 7) % 7;

/** `YYYY-MM-DD HH:MM` of a wall time. */
export function formatWall(wall: number): string {
  return new Date(wall).toISOString().slice(0, 16).replace('T', ' ');
}

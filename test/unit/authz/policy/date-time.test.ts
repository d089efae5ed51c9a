import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideDoc } from './policy-fixtures.js';
import { policyErrors } from './route-policies-fixtures.js';

const at = (iso: string) => Date.parse(iso);

const CASES: [string, Record<string, unknown>, string, boolean][] = [
  // date
  [
    'date after, inclusive',
    { date: { after: '2026-11-24', time_zone: 'UTC' } },
    '2026-11-24T00:00:00Z',
    true,
  ],
  [
    'date before, exclusive',
    { date: { before: '2026-11-24', time_zone: 'UTC' } },
    '2026-11-24T00:00:00Z',
    false,
  ],
  [
    'date range with a time',
    { date: { after: '2026-11-24T09:00', before: '2026-11-24T17:00', time_zone: 'UTC' } },
    '2026-11-24T16:59:59Z',
    true,
  ],
  [
    'date in a zone ahead of UTC',
    { date: { after: '2026-11-25', time_zone: 'Asia/Tokyo' } },
    '2026-11-24T15:00:00Z',
    true,
  ],
  [
    'date in a zone behind UTC',
    { date: { after: '2026-11-25', time_zone: 'America/New_York' } },
    '2026-11-25T04:59:00Z',
    false,
  ],
  // day_of_week (2026-11-24 is a Tuesday)
  [
    'day_of_week in a range',
    { day_of_week: { days: 'mon-fri', time_zone: 'UTC' } },
    '2026-11-24T10:00:00Z',
    true,
  ],
  [
    'day_of_week not in a list',
    { day_of_week: { days: ['sat', 'Sunday'], time_zone: 'UTC' } },
    '2026-11-24T10:00:00Z',
    false,
  ],
  [
    'day_of_week wrapping range',
    { day_of_week: { days: 'fri-mon', time_zone: 'UTC' } },
    '2026-11-23T10:00:00Z',
    true,
  ],
  [
    'day_of_week is the local day',
    { day_of_week: { days: 'wed', time_zone: 'Asia/Tokyo' } },
    '2026-11-24T23:30:00Z',
    true,
  ],
  [
    'day_of_week comma list',
    { day_of_week: { days: 'mon,wed', time_zone: 'UTC' } },
    '2026-11-24T10:00:00Z',
    false,
  ],
  // time_of_day
  [
    'time_of_day inside',
    { time_of_day: { after: '09:00', before: '17:00', time_zone: 'UTC' } },
    '2026-11-24T09:00:00Z',
    true,
  ],
  [
    'time_of_day before is exclusive',
    { time_of_day: { after: '09:00', before: '17:00', time_zone: 'UTC' } },
    '2026-11-24T17:00:00Z',
    false,
  ],
  [
    'time_of_day in a half-hour zone',
    { time_of_day: { after: '15:30', before: '16:00', time_zone: 'Asia/Kolkata' } },
    '2026-11-24T10:15:00Z',
    true,
  ],
  [
    'time_of_day over midnight, late',
    { time_of_day: { after: '22:00', before: '06:00', time_zone: 'UTC' } },
    '2026-11-24T23:00:00Z',
    true,
  ],
  [
    'time_of_day over midnight, early',
    { time_of_day: { after: '22:00', before: '06:00', time_zone: 'UTC' } },
    '2026-11-24T05:59:00Z',
    true,
  ],
  [
    'time_of_day over midnight, day',
    { time_of_day: { after: '22:00', before: '06:00', time_zone: 'UTC' } },
    '2026-11-24T12:00:00Z',
    false,
  ],
  [
    'time_of_day only after',
    { time_of_day: { after: '18:00', time_zone: 'UTC' } },
    '2026-11-24T19:00:00Z',
    true,
  ],
  // daylight saving: Berlin goes from 02:00 CET to 03:00 CEST at 2026-03-29T01:00Z
  [
    'time_of_day just before the DST change',
    { time_of_day: { after: '01:30', before: '02:00', time_zone: 'Europe/Berlin' } },
    '2026-03-29T00:45:00Z',
    true,
  ],
  [
    'time_of_day just after the DST change',
    { time_of_day: { after: '03:00', before: '03:30', time_zone: 'Europe/Berlin' } },
    '2026-03-29T01:10:00Z',
    true,
  ],
  [
    'time_of_day winter time in New York',
    { time_of_day: { after: '07:00', before: '08:00', time_zone: 'America/New_York' } },
    '2026-01-15T12:30:00Z',
    true,
  ],
  [
    'time_of_day summer time in New York',
    { time_of_day: { after: '07:00', before: '08:00', time_zone: 'America/New_York' } },
    '2026-07-15T12:30:00Z',
    false,
  ],
];

for (const [name, criterion, now, ok] of CASES) {
  test(`date/time: ${name}`, () => {
    const d = decideDoc({ allow: { and: [criterion] } }, null, {}, at(now));
    const key = Object.keys(criterion)[0]!.replaceAll('_', '-');
    assert.equal(d.allow, ok);
    assert.deepEqual(d.allowReasons, [`${key}-${ok ? 'ok' : 'unauthorized'}`]);
  });
}

test('date/time: the clock is the injected one, evaluated per request', () => {
  const doc = { allow: { and: [{ day_of_week: { days: 'sat-sun', time_zone: 'UTC' } }] } };
  assert.equal(decideDoc(doc, null, {}, at('2026-11-28T12:00:00Z')).outcome, 'allow');
  assert.equal(decideDoc(doc, null, {}, at('2026-11-30T12:00:00Z')).outcome, 'deny');
});

test('date/time: a denial says what time it was where', () => {
  const doc = {
    allow: {
      and: [{ time_of_day: { after: '09:00', before: '17:00', time_zone: 'Europe/Berlin' } }],
    },
  };
  const d = decideDoc(doc, null, {}, at('2026-11-24T20:00:00Z'));
  assert.equal(d.failures[0]!.got, 'it is 21:00 in Europe/Berlin');
});

const route = (c: string) =>
  `routes:\n  - from: https://a.example.com\n    to: http://a\n    policy:\n      allow:\n        and:\n          - ${c}\n`;

const ERRORS: [string, string, string][] = [
  ['a missing time zone', 'date: {after: 2026-01-01}', 'routes[0].policy.allow.and[0].date'],
  [
    'an unknown time zone',
    'date: {after: 2026-01-01, time_zone: Mars/Olympus}',
    'routes[0].policy.allow.and[0].date.time_zone',
  ],
  [
    'a bad date',
    'date: {after: 2026-02-30, time_zone: UTC}',
    'routes[0].policy.allow.and[0].date.after',
  ],
  [
    'after not before before',
    'date: {after: 2026-02-02, before: 2026-02-01, time_zone: UTC}',
    'routes[0].policy.allow.and[0].date.before',
  ],
  ['no bounds', 'date: {time_zone: UTC}', 'routes[0].policy.allow.and[0].date'],
  [
    'an unknown key',
    'date: {from: 2026-01-01, time_zone: UTC}',
    'routes[0].policy.allow.and[0].date.from',
  ],
  [
    'a bad day',
    'day_of_week: {days: mon-fry, time_zone: UTC}',
    'routes[0].policy.allow.and[0].day_of_week.days',
  ],
  [
    'a bad time',
    'time_of_day: {after: "9am", time_zone: UTC}',
    'routes[0].policy.allow.and[0].time_of_day.after',
  ],
  [
    'an empty window',
    'time_of_day: {after: "09:00", before: "09:00", time_zone: UTC}',
    'routes[0].policy.allow.and[0].time_of_day.before',
  ],
];

for (const [name, criterion, path] of ERRORS) {
  test(`date/time error: ${name} is an invalid_policy issue`, () => {
    const issues = policyErrors(route(criterion));
    assert.deepEqual(
      issues.map((i) => [i.code, i.path]),
      [['invalid_policy', path]],
    );
  });
}

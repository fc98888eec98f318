// Which local dates are open days, and how to find the nearest one without walking the
// calendar day by day (a YEARLY schedule would otherwise cost 365 steps per lookup).
import { Temporal } from 'temporal-polyfill';
import { requireLocalDate } from './local-time.js';
import { DAYS_OF_WEEK, type DayOfWeek, type Schedule } from './types.js';

type Step = 1 | -1;

interface Bounds {
  start: Temporal.PlainDate;
  end: Temporal.PlainDate | null;
}

function boundsOf(schedule: Schedule): Bounds {
  return {
    start: requireLocalDate(schedule.startOn, 'startOn'),
    end: schedule.endOn === null ? null : requireLocalDate(schedule.endOn, 'endOn'),
  };
}

export function dayOfWeekOf(date: Temporal.PlainDate): DayOfWeek {
  return DAYS_OF_WEEK[date.dayOfWeek - 1];
}

/** The anchor's day of month in a given month, clamped: the 31st falls on 30 April, 28/29 Feb. */
function monthlyDay(anchor: Temporal.PlainDate, year: number, month: number): Temporal.PlainDate {
  return Temporal.PlainDate.from({ year, month, day: anchor.day }, { overflow: 'constrain' });
}

/** The anchor's month and day in a given year: 29 February falls on the 28th in common years. */
function yearlyDay(anchor: Temporal.PlainDate, year: number): Temporal.PlainDate {
  return monthlyDay(anchor, year, anchor.month);
}

function matchesFrequency(schedule: Schedule, anchor: Temporal.PlainDate, date: Temporal.PlainDate) {
  switch (schedule.operationFrequency) {
    case 'DAILY':
      return true;
    case 'WEEKDAYS':
      return date.dayOfWeek <= 5;
    case 'WEEKLY':
      return schedule.operationalDays.includes(dayOfWeekOf(date));
    case 'MONTHLY':
      return date.equals(monthlyDay(anchor, date.year, date.month));
    case 'YEARLY':
      return date.equals(yearlyDay(anchor, date.year));
    default:
      throw new RangeError(`unknown operationFrequency ${String(schedule.operationFrequency)}`);
  }
}

function withinBounds(bounds: Bounds, date: Temporal.PlainDate): boolean {
  if (Temporal.PlainDate.compare(date, bounds.start) < 0) return false;
  return bounds.end === null || Temporal.PlainDate.compare(date, bounds.end) <= 0;
}

export function isOpenPlainDate(schedule: Schedule, date: Temporal.PlainDate): boolean {
  const bounds = boundsOf(schedule);
  return withinBounds(bounds, date) && matchesFrequency(schedule, bounds.start, date);
}

/** Whether a window opens on this local date ('YYYY-MM-DD' in the schedule's zone). */
export function isOpenDay(schedule: Schedule, localDate: string): boolean {
  return isOpenPlainDate(schedule, requireLocalDate(localDate, 'localDate'));
}

/**
 * The nearest date from `from` in direction `step` (inclusive) matching the frequency, ignoring
 * the bounds. At most 7 probes for the weekly kinds, 2 for the monthly and yearly ones.
 */
function nearestMatch(
  schedule: Schedule,
  anchor: Temporal.PlainDate,
  from: Temporal.PlainDate,
  step: Step,
): Temporal.PlainDate | null {
  const isAhead = (candidate: Temporal.PlainDate) =>
    Temporal.PlainDate.compare(candidate, from) * step >= 0;
  switch (schedule.operationFrequency) {
    case 'MONTHLY': {
      const here = monthlyDay(anchor, from.year, from.month);
      if (isAhead(here)) return here;
      const other = from.with({ day: 1 }).add({ months: step });
      return monthlyDay(anchor, other.year, other.month);
    }
    case 'YEARLY': {
      const here = yearlyDay(anchor, from.year);
      return isAhead(here) ? here : yearlyDay(anchor, from.year + step);
    }
    default: {
      for (let i = 0; i < 7; i++) {
        const candidate = from.add({ days: i * step });
        if (matchesFrequency(schedule, anchor, candidate)) return candidate;
      }
      return null; // WEEKLY without any operational day: never open
    }
  }
}

/** The first open day on or after `from`, or null when none is left before endOn. */
export function openDayOnOrAfter(
  schedule: Schedule,
  from: Temporal.PlainDate,
): Temporal.PlainDate | null {
  const bounds = boundsOf(schedule);
  const start = Temporal.PlainDate.compare(from, bounds.start) < 0 ? bounds.start : from;
  const found = nearestMatch(schedule, bounds.start, start, 1);
  return found && withinBounds(bounds, found) ? found : null;
}

/** The last open day on or before `from`, or null when none is left after startOn. */
export function openDayOnOrBefore(
  schedule: Schedule,
  from: Temporal.PlainDate,
): Temporal.PlainDate | null {
  const bounds = boundsOf(schedule);
  const start =
    bounds.end !== null && Temporal.PlainDate.compare(from, bounds.end) > 0 ? bounds.end : from;
  const found = nearestMatch(schedule, bounds.start, start, -1);
  return found && withinBounds(bounds, found) ? found : null;
}

// Operating windows: when, in absolute time, a schedule lets the campaign dispatch.
// Pure: every function takes the instant it reasons about; the zone is always the schedule's.
import { Temporal } from 'temporal-polyfill';
import {
  MIDNIGHT,
  instantOf,
  plainDateAt,
  requireLocalDate,
  requireLocalTime,
  toDate,
} from './local-time.js';
import { isOpenPlainDate, openDayOnOrAfter, openDayOnOrBefore } from './open-days.js';
import type { Schedule, Window } from './types.js';

export { localDateAt } from './local-time.js';
export { isOpenDay } from './open-days.js';
export { validateSchedule } from './validate.js';
export type { DayOfWeek, OperationFrequency, Schedule, Window } from './types.js';

// How many open days a search may pass over. Only days whose window has already opened (the
// day of the instant and its neighbours) or is empty (a window lying wholly inside a DST gap,
// at most a day or two a year) are passed over, so this bound is never reached in practice;
// it only guarantees termination on a pathological zone.
const MAX_PASSED_DAYS = 32;

function timeOrNull(text: string | null, what: string): Temporal.PlainTime | null {
  return text === null ? null : requireLocalTime(text, what);
}

function windowOfDate(schedule: Schedule, day: Temporal.PlainDate): Window {
  // A missing time is the day's edge: no start = midnight, no end = the next midnight.
  const start = timeOrNull(schedule.operationalStartTime, 'operationalStartTime') ?? MIDNIGHT;
  const end = timeOrNull(schedule.operationalEndTime, 'operationalEndTime');
  const overnight = end === null || Temporal.PlainTime.compare(end, start) <= 0;
  const closeDay = overnight ? day.add({ days: 1 }) : day;
  return {
    opensAt: toDate(instantOf(day, start, schedule.timeZone)),
    closesAt: toDate(instantOf(closeDay, end ?? MIDNIGHT, schedule.timeZone)),
    day: day.toString(),
  };
}

/** A window whose both ends fell into the same DST gap lets nothing through: it is skipped. */
function isEmpty(window: Window): boolean {
  return window.closesAt.getTime() <= window.opensAt.getTime();
}

function contains(window: Window, instant: Date): boolean {
  const t = instant.getTime();
  return window.opensAt.getTime() <= t && t < window.closesAt.getTime();
}

/**
 * The window of a local date, whether or not that date is an open day (use isOpenDay for that).
 * Opens at operationalStartTime and closes at operationalEndTime, on the next day when the end
 * is not after the start; both null = the whole local day.
 */
export function windowForDay(schedule: Schedule, localDate: string): Window {
  return windowOfDate(schedule, requireLocalDate(localDate, 'localDate'));
}

/** The open window containing the instant (the previous day's overnight one included), or null. */
export function windowAt(schedule: Schedule, instant: Date): Window | null {
  const today = plainDateAt(instant, schedule.timeZone);
  // Yesterday for overnight windows; tomorrow for a fall-back that crosses midnight backwards
  // (00:01 back to 23:01): the repeated evening of "today" lies after tomorrow's first opening.
  for (const offset of [-1, 0, 1]) {
    const day = today.add({ days: offset });
    if (!isOpenPlainDate(schedule, day)) continue;
    const window = windowOfDate(schedule, day);
    if (contains(window, instant)) return window;
  }
  return null;
}

/** The first non-empty window of an open day from `from` on, in the given direction. */
function searchWindow(
  schedule: Schedule,
  from: Temporal.PlainDate,
  direction: 1 | -1,
  accept: (window: Window) => boolean,
): Window | null {
  let cursor = from;
  for (let i = 0; i < MAX_PASSED_DAYS; i++) {
    const day =
      direction === 1 ? openDayOnOrAfter(schedule, cursor) : openDayOnOrBefore(schedule, cursor);
    if (day === null) return null;
    const window = windowOfDate(schedule, day);
    if (!isEmpty(window) && accept(window)) return window;
    cursor = day.add({ days: direction });
  }
  return null;
}

/**
 * The window containing the instant, else the first one opening after it; null when no window
 * opens before the end of the schedule.
 */
export function nextOpening(schedule: Schedule, instant: Date): Window | null {
  const current = windowAt(schedule, instant);
  if (current) return current;
  // Start a day early: yesterday's window can only be open or over, so it is cheaply passed.
  const from = plainDateAt(instant, schedule.timeZone).subtract({ days: 1 });
  return searchWindow(schedule, from, 1, (w) => w.opensAt.getTime() > instant.getTime());
}

/** The first window on or after startOn: its opening is the moment the campaign starts. */
export function firstWindow(schedule: Schedule): Window | null {
  return searchWindow(schedule, requireLocalDate(schedule.startOn, 'startOn'), 1, () => true);
}

/** The last window on or before endOn: its close is the moment the campaign ends. */
export function lastWindow(schedule: Schedule): Window | null {
  if (schedule.endOn === null) return null;
  return searchWindow(schedule, requireLocalDate(schedule.endOn, 'endOn'), -1, () => true);
}

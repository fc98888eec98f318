// The one schedule rule that needs "now": an end that has already passed. validate.ts stays
// clock-free; the caller passes the clock's instant, so this is pure too.
import { Temporal } from 'temporal-polyfill';
import type { FieldError } from '../../lib/errors.js';
import { localDateAt } from './local-time.js';
import type { Schedule } from './types.js';
import { lastWindow } from './windows.js';

/**
 * A problem on `endOn` when the schedule's last window closed at or before `now` (judged in
 * the schedule's zone): such a schedule would complete its campaign at once with nothing sent.
 * A schedule without an end, or without any window on or before endOn, is not judged here.
 */
export function pastEndProblems(schedule: Schedule, now: Date): FieldError[] {
  if (schedule.endOn === null) return [];
  const last = lastWindow(schedule);
  if (!last || last.closesAt.getTime() > now.getTime()) return [];
  const today = localDateAt(now, schedule.timeZone);
  const closed = Temporal.Instant.fromEpochMilliseconds(last.closesAt.getTime())
    .toZonedDateTimeISO(schedule.timeZone)
    .toPlainTime()
    .toString({ smallestUnit: 'minute' });
  const message =
    schedule.endOn < today
      ? `endOn is in the past (today in ${schedule.timeZone} is ${today}); choose ${today} or later, or leave endOn out`
      : `endOn is in the past: its last window closed at ${closed} (${schedule.timeZone}); choose a later endOn, or leave it out`;
  return [{ field: 'endOn', message }];
}

// Checks a schedule as it arrives in JSON and lists every problem at once, named by its JSON
// field, so the operator fixes the form in one round trip. Pure: no clock, so "startOn in the
// past" is not judged here (the caller knows what "today in the zone" is).
import { Temporal } from 'temporal-polyfill';
import type { FieldError } from '../../lib/errors.js';
import { canonicalTimeZone, parseLocalDate, parseLocalTime } from './local-time.js';
import { DAYS_OF_WEEK, OPERATION_FREQUENCIES, type DayOfWeek } from './types.js';

type Problems = FieldError[];

// The dates PostgreSQL's `date` stores that YYYY-MM-DD can spell: it has no year 0 (its
// "0000-01-01" is out of range, a 500 once), and four digits end at 9999.
export const INPUT_DATE_RULE = 'a calendar date as YYYY-MM-DD, from 0001-01-01 to 9999-12-31';

/** A date as the API takes it (a real day, within INPUT_DATE_RULE's range), or null. */
export function parseInputDate(text: string): Temporal.PlainDate | null {
  const date = parseLocalDate(text);
  return date && date.year >= 1 ? date : null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A required or nullable date; returns the parsed date for the cross-field check. */
function checkDate(problems: Problems, field: string, value: unknown, required: boolean) {
  if (value === undefined || value === null) {
    if (required) problems.push({ field, message: `${field} is required (YYYY-MM-DD)` });
    return null;
  }
  const date = typeof value === 'string' ? parseInputDate(value) : null;
  if (!date) problems.push({ field, message: `${field} must be ${INPUT_DATE_RULE}` });
  return date;
}

// The API documents HH:mm; parseLocalTime also reads the HH:mm:ss the database gives back.
const HH_MM = /^\d{2}:\d{2}$/;

function checkTimes(problems: Problems, input: Record<string, unknown>) {
  const fields = ['operationalStartTime', 'operationalEndTime'] as const;
  const present = fields.filter((f) => input[f] !== undefined && input[f] !== null);
  const times = present.map((field) => {
    const value = input[field];
    const time = typeof value === 'string' && HH_MM.test(value) ? parseLocalTime(value) : null;
    if (!time) problems.push({ field, message: `${field} must be a time as HH:mm (00:00 to 23:59)` });
    return time;
  });
  // An empty window would read as "the whole day" further on (start == end), which is never
  // what 10:00-10:00 meant; the two real meanings have their own spelling.
  if (times.length === 2 && times[0] && times[1] && times[0].equals(times[1])) {
    problems.push({
      field: 'operationalEndTime',
      message:
        'operationalEndTime must differ from operationalStartTime: leave both out for the whole day, ' +
        'or use an end earlier than the start for an overnight window',
    });
  }
  // One time alone has no sensible meaning (half a window), so both or neither.
  if (present.length === 1) {
    const missing = fields.find((f) => !present.includes(f))!;
    problems.push({
      field: missing,
      message: `operationalStartTime and operationalEndTime must both be set or both be null`,
    });
  }
}

function checkDays(problems: Problems, frequency: unknown, value: unknown) {
  const field = 'operationalDays';
  if (value !== undefined && value !== null && !Array.isArray(value)) {
    problems.push({ field, message: 'operationalDays must be a list of days of the week' });
    return;
  }
  const days: unknown[] = Array.isArray(value) ? value : [];
  const unknown = days.filter((d) => !DAYS_OF_WEEK.includes(d as DayOfWeek));
  if (unknown.length > 0) {
    problems.push({
      field,
      message: `unknown day(s) ${unknown.map((d) => JSON.stringify(d)).join(', ')}; use ${DAYS_OF_WEEK.join(', ')}`,
    });
  } else if (frequency === 'WEEKLY' && days.length === 0) {
    problems.push({ field, message: 'a WEEKLY schedule needs at least one operational day' });
  }
}

/**
 * Every problem of a schedule as received (undefined counts as null for nullable fields);
 * an empty list means the window functions can use it.
 */
export function validateSchedule(input: unknown): FieldError[] {
  const problems: Problems = [];
  if (!isRecord(input)) return [{ field: 'schedule', message: 'schedule must be an object' }];

  const zone = input.timeZone;
  if (typeof zone !== 'string' || canonicalTimeZone(zone) === null) {
    problems.push({
      field: 'timeZone',
      message: 'timeZone must be an IANA time zone name such as Europe/Berlin',
    });
  }

  const start = checkDate(problems, 'startOn', input.startOn, true);
  const end = checkDate(problems, 'endOn', input.endOn, false);
  if (start && end && Temporal.PlainDate.compare(start, end) > 0) {
    problems.push({ field: 'endOn', message: 'endOn must be on or after startOn' });
  }

  checkTimes(problems, input);

  const frequency = input.operationFrequency;
  if (!OPERATION_FREQUENCIES.includes(frequency as never)) {
    problems.push({
      field: 'operationFrequency',
      message: `operationFrequency must be one of ${OPERATION_FREQUENCIES.join(', ')}`,
    });
  }
  checkDays(problems, frequency, input.operationalDays);
  return problems;
}

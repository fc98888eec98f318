// Conversions between the schedule's wall clock and absolute instants. This is the only file
// that decides what a local time means on a DST day, so every window agrees with every other.
import { Temporal } from 'temporal-polyfill';

// Strict on purpose: 'H:mm', '24:00' or ISO extras such as fractions and offsets would all be
// accepted by Temporal's own parser, but they are not what the API documents.
const TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export const MIDNIGHT = new Temporal.PlainTime(0, 0);

/** 'HH:mm' or 'HH:mm:ss' (00:00 to 23:59:59) as a PlainTime, or null if malformed. */
export function parseLocalTime(text: string): Temporal.PlainTime | null {
  const match = TIME_PATTERN.exec(text);
  if (!match) return null;
  return new Temporal.PlainTime(Number(match[1]), Number(match[2]), Number(match[3] ?? 0));
}

/** 'YYYY-MM-DD' naming a real calendar day, or null (2026-02-30 is null, not 2026-03-02). */
export function parseLocalDate(text: string): Temporal.PlainDate | null {
  if (!DATE_PATTERN.test(text)) return null;
  try {
    return Temporal.PlainDate.from(text, { overflow: 'reject' });
  } catch {
    return null;
  }
}

/** The canonical zone id if Temporal knows the IANA name, else null. */
export function canonicalTimeZone(name: string): string | null {
  // Temporal also accepts bare offsets ('+01:00'); those carry no DST rules, so they are
  // refused to keep "the campaign's zone" a real place.
  if (/^[+-]/.test(name) || name.trim() === '') return null;
  try {
    return Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(name).timeZoneId;
  } catch {
    return null;
  }
}

export function requireLocalDate(text: string, what: string): Temporal.PlainDate {
  const date = parseLocalDate(text);
  if (!date) throw new RangeError(`${what} is not a valid date: ${JSON.stringify(text)}`);
  return date;
}

export function requireLocalTime(text: string, what: string): Temporal.PlainTime {
  const time = parseLocalTime(text);
  if (!time) throw new RangeError(`${what} is not a valid time: ${JSON.stringify(text)}`);
  return time;
}

/**
 * The instant a wall-clock time on a local date denotes in a zone.
 * - Repeated time (fall back): its first occurrence.
 * - Skipped time (spring forward): the instant the gap ends, i.e. 02:30 on a day that jumps
 *   from 02:00 to 03:00 is 03:00. Temporal's 'later' would give 03:30 (it shifts by the gap
 *   length), which would make a 02:30 window open half an hour late.
 * The mapping never decreases as the wall time grows, so windows built from it never overlap.
 */
export function instantOf(
  date: Temporal.PlainDate,
  time: Temporal.PlainTime,
  timeZone: string,
): Temporal.Instant {
  const wall = date.toPlainDateTime(time);
  const first = wall.toZonedDateTime(timeZone, { disambiguation: 'earlier' });
  if (first.toPlainDateTime().equals(wall)) return first.toInstant();
  // The wall time was skipped: 'earlier' resolved it with the offset in force before the gap,
  // which lands before the transition, so the next transition is where the gap ends.
  const gapEnd = first.getTimeZoneTransition('next');
  return (gapEnd ?? first).toInstant();
}

export function toDate(instant: Temporal.Instant): Date {
  return new Date(instant.epochMilliseconds);
}

export function plainDateAt(instant: Date, timeZone: string): Temporal.PlainDate {
  const ms = instant.getTime();
  if (Number.isNaN(ms)) throw new RangeError('instant is an invalid Date');
  return Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(timeZone).toPlainDate();
}

/** The local calendar date ('YYYY-MM-DD') of an instant in a zone, e.g. "today" for a campaign. */
export function localDateAt(instant: Date, timeZone: string): string {
  return plainDateAt(instant, timeZone).toString();
}

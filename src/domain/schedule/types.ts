// Shapes of the schedule maths. Everything is expressed in the schedule's own zone: dates are
// ISO calendar dates ('YYYY-MM-DD') and times are wall-clock times ('HH:mm' or 'HH:mm:ss');
// only a Window carries absolute instants, because that is what the job queue and the
// dispatcher compare against the clock.

export type DayOfWeek =
  | 'MONDAY'
  | 'TUESDAY'
  | 'WEDNESDAY'
  | 'THURSDAY'
  | 'FRIDAY'
  | 'SATURDAY'
  | 'SUNDAY';

export type OperationFrequency = 'WEEKDAYS' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

/** ISO order (Monday = 1): the index + 1 is Temporal's `dayOfWeek`. */
export const DAYS_OF_WEEK: readonly DayOfWeek[] = Object.freeze([
  'MONDAY',
  'TUESDAY',
  'WEDNESDAY',
  'THURSDAY',
  'FRIDAY',
  'SATURDAY',
  'SUNDAY',
]);

export const OPERATION_FREQUENCIES: readonly OperationFrequency[] = Object.freeze([
  'WEEKDAYS',
  'DAILY',
  'WEEKLY',
  'MONTHLY',
  'YEARLY',
]);

export interface Schedule {
  /** First local date (in timeZone) on which a window may open. */
  startOn: string;
  /** Last local date (inclusive) on which a window may open; null = open-ended. */
  endOn: string | null;
  /** Local opening time; with operationalEndTime null too, the window is the whole day. */
  operationalStartTime: string | null;
  /** Local closing time (exclusive); at or before the start it falls on the next day. */
  operationalEndTime: string | null;
  /** IANA zone name; the only zone any of these functions ever uses. */
  timeZone: string;
  /** Open days of a WEEKLY schedule; ignored by the other frequencies. */
  operationalDays: DayOfWeek[];
  operationFrequency: OperationFrequency;
}

export interface Window {
  /** First instant inside the window. */
  opensAt: Date;
  /** First instant after the window. */
  closesAt: Date;
  /** The local open day this window belongs to (an overnight window closes on the next day). */
  day: string;
}

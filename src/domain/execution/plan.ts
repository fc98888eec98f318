import type { ScheduleRow } from '../../db/queries/campaign-parts.js';
import { firstWindow, lastWindow, nextOpening, type Schedule } from '../schedule/windows.js';

// Pure planning maths of the execution engine: when the next batch fires, when a campaign
// starts and ends, how long a transient failure waits. Every function takes "now"; none reads
// a clock. Windows come from domain/schedule (the schedule's own zone, never the process's).

export function scheduleOf(row: ScheduleRow): Schedule {
  return {
    startOn: row.start_on,
    endOn: row.end_on,
    operationalStartTime: row.operational_start_time,
    operationalEndTime: row.operational_end_time,
    timeZone: row.time_zone,
    operationalDays: row.operational_days as Schedule['operationalDays'],
    operationFrequency: row.operation_frequency as Schedule['operationFrequency'],
  };
}

/**
 * When a SCHEDULED campaign starts: the opening of its first window on or after startOn. When
 * that window is already over (startOn in the past), the window open at `now` or else the next
 * one: the audience is never frozen hours before the campaign may send. null: no window ever
 * opens. When every window is past, the first opening (it starts and ends at once).
 */
export function startAt(schedule: Schedule, now: Date): Date | null {
  const first = firstWindow(schedule);
  if (!first || first.closesAt.getTime() > now.getTime()) return first?.opensAt ?? null;
  return nextOpening(schedule, now)?.opensAt ?? first.opensAt;
}

/** When a campaign ends: the close of its last window (null: open-ended). */
export function endAt(schedule: Schedule): Date | null {
  if (schedule.endOn === null) return null;
  // No window at all on or before endOn: it ends as soon as it starts.
  return lastWindow(schedule)?.closesAt ?? new Date(0);
}

/** An idle campaign (nothing due, waiting for a back-off or a lease) re-checks at most this often. */
export const IDLE_RECHECK_MS = 1000;

export interface NextBatchInput {
  now: Date;
  intervalSeconds: number;
  schedule: Schedule | null;
  /** true when PENDING rows are claimable right now (the batch stopped at its size or budget). */
  dueNow: boolean;
  /** when nothing is due: the earliest back-off end or lease expiry (null: nothing to wait for). */
  nextEventAt: Date | null;
}

/**
 * The next firing of a campaign's batch job: one interval after this firing (never earlier,
 * so an overdue job after a pause or an outage fires once and then keeps its pace instead of
 * replaying missed ticks), moved to the next window opening when that instant is outside the
 * schedule's windows. With nothing due it waits for the next back-off end or lease expiry
 * instead of spinning (continuous mode included). null = no window opens any more.
 */
export function nextBatchAt(input: NextBatchInput): Date | null {
  const { now, intervalSeconds, schedule, dueNow, nextEventAt } = input;
  let at = now.getTime() + intervalSeconds * 1000;
  if (!dueNow) {
    const idle = now.getTime() + IDLE_RECHECK_MS;
    at = Math.max(at, idle, nextEventAt ? nextEventAt.getTime() : idle);
  }
  const candidate = new Date(at);
  if (schedule === null) return candidate;
  const window = nextOpening(schedule, candidate);
  if (window === null) return null;
  return window.opensAt.getTime() > at ? window.opensAt : candidate;
}

/**
 * Until when a campaign whose only open rows are UNCERTAIN stays RUNNING for the operator to
 * retry or resolve them (null: nothing to wait for). Counted from the newest UNCERTAIN row, so
 * rows swept later extend it; the schedule's end still completes the campaign at its time.
 */
export function uncertainHoldEnds(work: { uncertain: number; uncertainSince: Date | null }, holdSeconds: number): Date | null {
  if (work.uncertain === 0 || work.uncertainSince === null || holdSeconds <= 0) return null;
  return new Date(work.uncertainSince.getTime() + holdSeconds * 1000);
}

/**
 * Back-off before retrying a transient failure: the provider's Retry-After when it gave one,
 * else 5 s doubling per attempt, capped at 15 minutes.
 */
export function backoffMs(attempt: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined && retryAfterMs >= 0) return Math.min(retryAfterMs, 3_600_000);
  return Math.min(5000 * 2 ** Math.max(0, attempt - 1), 900_000);
}

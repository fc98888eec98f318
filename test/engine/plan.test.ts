import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { TransientError, accepted, permanentFailure } from '../../src/channels/errors.js';
import type { ClaimedRow } from '../../src/db/queries/dispatches.js';
import { targetWhereSql } from '../../src/db/queries/targeting.js';
import { outcomeOf } from '../../src/domain/execution/outcomes.js';
import { backoffMs, endAt, IDLE_RECHECK_MS, nextBatchAt, startAt } from '../../src/domain/execution/plan.js';
import type { Schedule } from '../../src/domain/schedule/windows.js';
import { firstBatchAt } from '../../src/jobs/planner.js';

// Pure planning maths: when the next batch fires, back-off, and what the ledger records.

const berlin9to17: Schedule = {
  startOn: '2026-03-02',
  endOn: '2026-03-31',
  operationalStartTime: '09:00',
  operationalEndTime: '17:00',
  timeZone: 'Europe/Berlin',
  operationalDays: [],
  operationFrequency: 'WEEKDAYS',
};
const at = (iso: string) => new Date(iso);
const next = (now: string, over: Partial<Parameters<typeof nextBatchAt>[0]> = {}) =>
  nextBatchAt({ now: at(now), intervalSeconds: 10, schedule: berlin9to17, dueNow: true, nextEventAt: null, ...over })?.toISOString();

describe('nextBatchAt', () => {
  it('fires one interval later inside the window', () => {
    expect(next('2026-03-04T10:00:00Z')).toBe('2026-03-04T10:00:10.000Z');
  });

  it('after a two-minute stop fires one interval after the late firing, not in a burst of missed ticks', () => {
    // The last firing ran at 10:00:00; the process was down until 10:02:00 (12 ticks missed).
    const late = at('2026-03-04T10:02:00Z');
    const planned = nextBatchAt({ now: late, intervalSeconds: 10, schedule: berlin9to17, dueNow: true, nextEventAt: null })!;
    expect(planned.toISOString()).toBe('2026-03-04T10:02:10.000Z');
    // A chain of firings stays at least one interval apart.
    let t = late;
    for (let i = 0; i < 5; i++) {
      const n = nextBatchAt({ now: t, intervalSeconds: 10, schedule: berlin9to17, dueNow: true, nextEventAt: null })!;
      expect(n.getTime() - t.getTime()).toBeGreaterThanOrEqual(10_000);
      t = n;
    }
  });

  it('moves to the next opening when one interval later is outside the window (no polling overnight)', () => {
    // 17:00 Berlin (CET, UTC+1) = 16:00Z: 15:59:55Z + 10 s is after the close -> next weekday 09:00 = 08:00Z.
    expect(next('2026-03-04T15:59:55Z')).toBe('2026-03-05T08:00:00.000Z');
    // Friday evening -> Monday morning.
    expect(next('2026-03-06T17:30:00Z')).toBe('2026-03-09T08:00:00.000Z');
    // DST: on Monday 30 March Berlin is UTC+2, so 09:00 local is 07:00Z.
    expect(next('2026-03-27T18:00:00Z')).toBe('2026-03-30T07:00:00.000Z');
  });

  it('is null once no window opens any more', () => {
    expect(next('2026-03-31T16:30:00Z')).toBeUndefined();
  });

  it('continuous mode (interval 0) fires at once while work is due, and waits when nothing is due', () => {
    const now = '2026-03-04T10:00:00Z';
    expect(next(now, { intervalSeconds: 0, schedule: null })).toBe(now.replace('Z', '.000Z'));
    // Nothing due and nothing to wait for: an idle re-check, never a spin.
    expect(next(now, { intervalSeconds: 0, schedule: null, dueNow: false })).toBe(new Date(at(now).getTime() + IDLE_RECHECK_MS).toISOString());
    // A back-off ending in 30 s: the next firing is then.
    expect(next(now, { intervalSeconds: 0, schedule: null, dueNow: false, nextEventAt: at('2026-03-04T10:00:30Z') })).toBe('2026-03-04T10:00:30.000Z');
    // ...but never earlier than one interval.
    expect(next(now, { intervalSeconds: 60, schedule: null, dueNow: false, nextEventAt: at('2026-03-04T10:00:30Z') })).toBe('2026-03-04T10:01:00.000Z');
  });

  it('first batch: now inside a window, else the next opening', () => {
    expect(firstBatchAt(at('2026-03-04T10:00:00Z'), berlin9to17)?.toISOString()).toBe('2026-03-04T10:00:00.000Z');
    expect(firstBatchAt(at('2026-03-04T05:00:00Z'), berlin9to17)?.toISOString()).toBe('2026-03-04T08:00:00.000Z');
    expect(firstBatchAt(at('2026-03-04T05:00:00Z'), null)?.toISOString()).toBe('2026-03-04T05:00:00.000Z');
  });

  it('a startOn in the past starts at the window open now, else at the next opening, not at once', () => {
    // Wednesday 05:00 UTC (06:00 in Berlin): today's window opens at 08:00 UTC.
    expect(startAt(berlin9to17, at('2026-03-04T05:00:00Z'))?.toISOString()).toBe('2026-03-04T08:00:00.000Z');
    // Wednesday 10:00 UTC: today's window is open, so it starts now (its opening is past).
    expect(startAt(berlin9to17, at('2026-03-04T10:00:00Z'))?.toISOString()).toBe('2026-03-04T08:00:00.000Z');
    // Friday evening: Monday's opening, the next open day.
    expect(startAt(berlin9to17, at('2026-03-06T18:00:00Z'))?.toISOString()).toBe('2026-03-09T08:00:00.000Z');
    // Every window past: the first opening, so it starts and ends at once.
    expect(startAt(berlin9to17, at('2026-04-10T10:00:00Z'))?.toISOString()).toBe('2026-03-02T08:00:00.000Z');
  });

  it('start and end: first opening on or after startOn, last close on or before endOn', () => {
    expect(startAt(berlin9to17, at('2026-02-20T12:00:00Z'))?.toISOString()).toBe('2026-03-02T08:00:00.000Z');
    // Inside the first window: its opening, so due at once.
    expect(startAt(berlin9to17, at('2026-03-02T12:00:00Z'))?.toISOString()).toBe('2026-03-02T08:00:00.000Z');
    expect(endAt(berlin9to17)?.toISOString()).toBe('2026-03-31T15:00:00.000Z');
    expect(endAt({ ...berlin9to17, endOn: null })).toBeNull();
  });
});

describe('backoffMs', () => {
  it('doubles from 5 s, caps at 15 min, and honours Retry-After', () => {
    expect([1, 2, 3, 4].map((a) => backoffMs(a))).toEqual([5000, 10_000, 20_000, 40_000]);
    expect(backoffMs(20)).toBe(900_000);
    expect(backoffMs(1, 42_000)).toBe(42_000);
  });
});

describe('outcomeOf', () => {
  const row = { id: 'd1', attempts: 0 } as ClaimedRow;
  const now = at('2026-03-04T10:00:00Z');
  it('maps every adapter answer to a ledger outcome', () => {
    expect(outcomeOf(row, accepted('p-1'), now, 5)).toMatchObject({ status: 'SENT', providerMessageId: 'p-1', attempted: true });
    expect(outcomeOf(row, permanentFailure('invalid number'), now, 5)).toMatchObject({ status: 'FAILED', error: 'invalid number' });
    expect(outcomeOf(row, new TransientError('503'), now, 5)).toMatchObject({
      status: 'PENDING',
      nextAttemptAt: at('2026-03-04T10:00:05Z'),
    });
    expect(outcomeOf({ ...row, attempts: 4 }, new TransientError('503'), now, 5)).toMatchObject({
      status: 'FAILED',
      error: 'gave up after 5 attempts: 503',
    });
    expect(outcomeOf(row, new TransientError('timeout', { uncertain: true }), now, 5)).toMatchObject({ status: 'UNCERTAIN' });
    expect(outcomeOf(row, new TypeError('bug'), now, 5)).toMatchObject({ status: 'UNCERTAIN', error: 'adapter error: bug' });
  });
});

describe('targetWhereSql', () => {
  it('numbers its parameters from the given position and leaves out empty filters', () => {
    const f = targetWhereSql('c', { contactType: ['LEAD'], genders: [], contactTags: [' VIP ', 'vip', ''], tagMatch: 'ALL', minAge: 18, maxAge: null }, '2026-03-04', 3);
    expect(f.sql).toBe(
      "c.contact_type = ANY($3::text[]) AND c.tag_keys @> $4::text[] AND c.birth_date IS NOT NULL AND extract(year FROM age($5::date, c.birth_date)) >= $6::int",
    );
    expect(f.params).toEqual([['LEAD'], ['vip'], '2026-03-04', 18]);
  });
});

describe('execution configuration', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c.execution).toMatchObject({ batchSize: 100, intervalSeconds: 10, maxAttempts: 5, workerPollIntervalMs: 1000 });
    expect(c.execution.rateLimits).toEqual({ CALL: 1, EMAIL: 100, WHATSAPP: 80, MAIL: 0 });
    expect(c.channelSink).toBe('outbox');
    expect(c.metricsToken).toBeUndefined();
  });
});

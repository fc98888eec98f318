import { describe, expect, it } from 'vitest';
import type { Schedule, Window } from './types.js';
import {
  firstWindow,
  isOpenDay,
  lastWindow,
  nextOpening,
  windowAt,
  windowForDay,
} from './windows.js';

function schedule(overrides: Partial<Schedule>): Schedule {
  return {
    startOn: '2026-01-01',
    endOn: null,
    operationalStartTime: '09:00',
    operationalEndTime: '17:00',
    timeZone: 'Europe/Berlin',
    operationalDays: [],
    operationFrequency: 'DAILY',
    ...overrides,
  };
}

const at = (iso: string) => new Date(iso);
const iso = (w: Window | null) =>
  w && { opensAt: w.opensAt.toISOString(), closesAt: w.closesAt.toISOString(), day: w.day };

describe('windowForDay', () => {
  it.each([
    {
      name: 'Berlin spring forward: 02:30 does not exist and opens at 03:00 CEST',
      s: schedule({ operationalStartTime: '02:30', operationalEndTime: '05:00' }),
      day: '2026-03-29',
      opensAt: '2026-03-29T01:00:00.000Z',
      closesAt: '2026-03-29T03:00:00.000Z',
    },
    {
      name: 'Berlin fall back: 02:30 occurs twice and opens at the first one',
      s: schedule({ operationalStartTime: '02:30', operationalEndTime: '04:00' }),
      day: '2026-10-25',
      opensAt: '2026-10-25T00:30:00.000Z',
      closesAt: '2026-10-25T03:00:00.000Z',
    },
    {
      name: 'Berlin fall back: a repeated closing time is its first occurrence too',
      s: schedule({ operationalStartTime: '01:00', operationalEndTime: '02:45' }),
      day: '2026-10-25',
      opensAt: '2026-10-24T23:00:00.000Z',
      closesAt: '2026-10-25T00:45:00.000Z',
    },
    {
      name: 'New York the day after DST ends: 09:00 EST',
      s: schedule({ timeZone: 'America/New_York', operationFrequency: 'WEEKLY', operationalDays: ['MONDAY'] }),
      day: '2026-11-02',
      opensAt: '2026-11-02T14:00:00.000Z',
      closesAt: '2026-11-02T22:00:00.000Z',
    },
    {
      name: 'overnight 22:00-02:00 closes the next day',
      s: schedule({ operationalStartTime: '22:00', operationalEndTime: '02:00' }),
      day: '2026-01-10',
      opensAt: '2026-01-10T21:00:00.000Z',
      closesAt: '2026-01-11T01:00:00.000Z',
    },
    {
      name: 'equal start and end is a 24-hour window',
      s: schedule({ operationalStartTime: '09:00', operationalEndTime: '09:00' }),
      day: '2026-01-10',
      opensAt: '2026-01-10T08:00:00.000Z',
      closesAt: '2026-01-11T08:00:00.000Z',
    },
    {
      name: 'whole day on the 23-hour spring-forward day',
      s: schedule({ operationalStartTime: null, operationalEndTime: null }),
      day: '2026-03-29',
      opensAt: '2026-03-28T23:00:00.000Z',
      closesAt: '2026-03-29T22:00:00.000Z',
    },
    {
      name: 'whole day on the 25-hour fall-back day',
      s: schedule({ operationalStartTime: null, operationalEndTime: null }),
      day: '2026-10-25',
      opensAt: '2026-10-24T22:00:00.000Z',
      closesAt: '2026-10-25T23:00:00.000Z',
    },
    {
      name: 'HH:mm:ss times',
      s: schedule({ timeZone: 'UTC', operationalStartTime: '08:15:30', operationalEndTime: '08:16:00' }),
      day: '2026-05-05',
      opensAt: '2026-05-05T08:15:30.000Z',
      closesAt: '2026-05-05T08:16:00.000Z',
    },
  ])('$name', ({ s, day, opensAt, closesAt }) => {
    expect(iso(windowForDay(s, day))).toEqual({ opensAt, closesAt, day });
  });

  it('rejects a malformed day', () => {
    expect(() => windowForDay(schedule({}), '2026-02-30')).toThrow(RangeError);
  });
});

describe('fall back: one opening per open day', () => {
  const s = schedule({ operationalStartTime: '02:30', operationalEndTime: '04:00' });

  it('the second 02:30 is inside the same window, not a new opening', () => {
    const second0230 = at('2026-10-25T01:30:00Z');
    expect(iso(windowAt(s, second0230))?.opensAt).toBe('2026-10-25T00:30:00.000Z');
    expect(iso(nextOpening(s, second0230))?.opensAt).toBe('2026-10-25T00:30:00.000Z');
  });

  it('walking openings across the weekend yields each day once', () => {
    const days: string[] = [];
    let cursor = at('2026-10-23T12:00:00Z');
    for (let i = 0; i < 4; i++) {
      const w = nextOpening(s, cursor)!;
      days.push(`${w.day}@${w.opensAt.toISOString()}`);
      cursor = w.closesAt;
    }
    expect(days).toEqual([
      '2026-10-24@2026-10-24T00:30:00.000Z',
      '2026-10-25@2026-10-25T00:30:00.000Z',
      '2026-10-26@2026-10-26T01:30:00.000Z',
      '2026-10-27@2026-10-27T01:30:00.000Z',
    ]);
  });
});

describe('windowAt and nextOpening', () => {
  it('an overnight window contains 01:00 of the next day and is the previous day window', () => {
    const s = schedule({ operationalStartTime: '22:00', operationalEndTime: '02:00' });
    expect(iso(windowAt(s, at('2026-01-11T00:00:00Z')))).toEqual({
      opensAt: '2026-01-10T21:00:00.000Z',
      closesAt: '2026-01-11T01:00:00.000Z',
      day: '2026-01-10',
    });
    expect(windowAt(s, at('2026-01-11T01:00:00Z'))).toBeNull(); // the end is exclusive
    expect(nextOpening(s, at('2026-01-11T01:00:00Z'))?.day).toBe('2026-01-11');
  });

  it('an overnight window of the last open day still runs past midnight into a closed day', () => {
    const s = schedule({ operationFrequency: 'WEEKLY', operationalDays: ['FRIDAY'], operationalStartTime: '22:00', operationalEndTime: '02:00' });
    expect(isOpenDay(s, '2026-01-10')).toBe(false); // Saturday
    expect(windowAt(s, at('2026-01-10T00:30:00Z'))?.day).toBe('2026-01-09');
  });

  it('a fall-back at midnight lengthens the day instead of moving the next opening', () => {
    // Santiago turns Saturday 24:00 back to 23:00: Saturday has 25 hours, Sunday's midnight
    // happens once, after the repeated hour.
    const s = schedule({ timeZone: 'America/Santiago', operationalStartTime: null, operationalEndTime: null });
    expect(iso(windowAt(s, at('2026-04-05T03:30:00Z')))).toEqual({
      opensAt: '2026-04-04T03:00:00.000Z',
      closesAt: '2026-04-05T04:00:00.000Z',
      day: '2026-04-04',
    });
  });

  it('a fall-back crossing midnight puts the repeated evening in the next day window', () => {
    // St. John's (until 2011) went back at 00:01 to 23:01 of the previous day: the second 23:30
    // of 6 Nov comes after the first midnight of 7 Nov, where 7 Nov's window opened.
    const s = schedule({ timeZone: 'America/St_Johns', startOn: '2010-01-01', operationalStartTime: null, operationalEndTime: null });
    expect(windowAt(s, at('2010-11-07T03:00:00Z'))).toMatchObject({
      day: '2010-11-07',
      opensAt: at('2010-11-07T02:30:00Z'),
    });
  });

  it('the opening instant is inside (inclusive start)', () => {
    const s = schedule({});
    expect(windowAt(s, at('2026-01-12T08:00:00Z'))?.day).toBe('2026-01-12');
    expect(windowAt(s, at('2026-01-12T07:59:59.999Z'))).toBeNull();
  });

  it('WEEKDAYS from a Friday evening returns Monday morning', () => {
    const s = schedule({ operationFrequency: 'WEEKDAYS' });
    expect(isOpenDay(s, '2026-03-07')).toBe(false);
    expect(isOpenDay(s, '2026-03-08')).toBe(false);
    expect(iso(nextOpening(s, at('2026-03-06T18:00:00Z')))).toEqual({
      opensAt: '2026-03-09T08:00:00.000Z',
      closesAt: '2026-03-09T16:00:00.000Z',
      day: '2026-03-09',
    });
  });

  it('WEEKLY Monday in New York across the end of DST', () => {
    const s = schedule({ timeZone: 'America/New_York', operationFrequency: 'WEEKLY', operationalDays: ['MONDAY'] });
    expect(isOpenDay(s, '2026-11-01')).toBe(false);
    expect(nextOpening(s, at('2026-10-30T12:00:00Z'))?.opensAt.toISOString()).toBe('2026-11-02T14:00:00.000Z');
    // The Monday before, still on EDT, opened an hour earlier in UTC.
    expect(nextOpening(s, at('2026-10-24T12:00:00Z'))?.opensAt.toISOString()).toBe('2026-10-26T13:00:00.000Z');
  });

  it('a window lying wholly in the spring-forward gap is empty and skipped', () => {
    const s = schedule({ operationalStartTime: '02:00', operationalEndTime: '02:30', startOn: '2026-03-29' });
    const gapDay = windowForDay(s, '2026-03-29');
    expect(gapDay.opensAt.getTime()).toBe(gapDay.closesAt.getTime());
    expect(nextOpening(s, at('2026-03-28T12:00:00Z'))?.day).toBe('2026-03-30');
    expect(firstWindow(s)?.day).toBe('2026-03-30');
  });
});

describe('open days of MONTHLY and YEARLY', () => {
  it('MONTHLY from the 31st clamps to the last day of shorter months', () => {
    const s = schedule({ operationFrequency: 'MONTHLY', startOn: '2026-01-31' });
    expect(['2026-02-28', '2026-03-31', '2026-04-30', '2028-02-29'].map((d) => isOpenDay(s, d))).toEqual([true, true, true, true]);
    expect(['2026-02-27', '2026-03-28', '2026-03-30', '2026-04-29'].map((d) => isOpenDay(s, d))).toEqual([false, false, false, false]);
    expect(nextOpening(s, at('2026-02-01T00:00:00Z'))?.day).toBe('2026-02-28');
    expect(nextOpening(s, at('2026-03-31T18:00:00Z'))?.day).toBe('2026-04-30');
  });

  it('YEARLY from 29 February falls on the 28th in common years', () => {
    const s = schedule({ operationFrequency: 'YEARLY', startOn: '2024-02-29' });
    expect(isOpenDay(s, '2025-02-28')).toBe(true);
    expect(isOpenDay(s, '2025-03-01')).toBe(false);
    expect(isOpenDay(s, '2028-02-29')).toBe(true);
    expect(isOpenDay(s, '2028-02-28')).toBe(false);
    expect(nextOpening(s, at('2025-03-01T00:00:00Z'))?.day).toBe('2026-02-28');
    expect(nextOpening(s, at('2027-03-01T00:00:00Z'))?.day).toBe('2028-02-29');
  });

  it('jumps instead of walking: decades ahead and far-away ends answer at once', () => {
    const s = schedule({ operationFrequency: 'YEARLY', startOn: '2090-07-04', endOn: '2199-12-31' });
    expect(nextOpening(s, at('2026-01-01T00:00:00Z'))?.day).toBe('2090-07-04');
    expect(lastWindow(s)?.day).toBe('2199-07-04');
    expect(nextOpening(s, at('2150-07-05T00:00:00Z'))?.day).toBe('2151-07-04');
  });
});

describe('startOn and endOn bounds', () => {
  const s = schedule({ timeZone: 'UTC', startOn: '2026-03-02', endOn: '2026-03-04' });

  it('no day outside the bounds is open', () => {
    expect(['2026-03-01', '2026-03-02', '2026-03-04', '2026-03-05'].map((d) => isOpenDay(s, d))).toEqual([false, true, true, false]);
  });

  it('a future startOn is the first opening', () => {
    expect(iso(firstWindow(s))?.opensAt).toBe('2026-03-02T09:00:00.000Z');
    expect(iso(nextOpening(s, at('2025-06-01T00:00:00Z')))).toEqual(iso(firstWindow(s)));
    expect(windowAt(s, at('2026-03-01T10:00:00Z'))).toBeNull();
  });

  it('after the last window there is no next opening', () => {
    expect(iso(lastWindow(s))?.closesAt).toBe('2026-03-04T17:00:00.000Z');
    expect(nextOpening(s, at('2026-03-04T16:59:59Z'))?.day).toBe('2026-03-04');
    expect(nextOpening(s, at('2026-03-04T17:00:00Z'))).toBeNull();
  });

  it('the last overnight window closes on the day after endOn', () => {
    const night = { ...s, operationalStartTime: '22:00', operationalEndTime: '02:00' };
    expect(iso(lastWindow(night))).toEqual({
      opensAt: '2026-03-04T22:00:00.000Z',
      closesAt: '2026-03-05T02:00:00.000Z',
      day: '2026-03-04',
    });
  });

  it('an open end has no last window; a schedule with no open day has no first one', () => {
    expect(lastWindow({ ...s, endOn: null })).toBeNull();
    const weekendOnly = { ...s, operationFrequency: 'WEEKLY' as const, operationalDays: ['SATURDAY' as const] };
    expect(firstWindow(weekendOnly)).toBeNull();
    expect(nextOpening(weekendOnly, at('2026-01-01T00:00:00Z'))).toBeNull();
  });

  it('the last MONTHLY window is found before endOn, not on it', () => {
    const monthly = schedule({ operationFrequency: 'MONTHLY', startOn: '2026-01-15', endOn: '2026-06-10' });
    expect(lastWindow(monthly)?.day).toBe('2026-05-15');
  });
});

import { describe, expect, it } from 'vitest';
import { Temporal } from 'temporal-polyfill';
import { instantOf, localDateAt, parseLocalDate, parseLocalTime } from './local-time.js';

const instant = (date: string, time: string, zone: string) =>
  instantOf(Temporal.PlainDate.from(date), Temporal.PlainTime.from(time), zone).toString();

describe('localDateAt', () => {
  it.each([
    ['2026-03-01T23:30:00Z', 'UTC', '2026-03-01'],
    ['2026-03-01T23:30:00Z', 'Europe/Berlin', '2026-03-02'],
    ['2026-03-01T09:00:00Z', 'America/Los_Angeles', '2026-03-01'],
    ['2026-03-01T09:00:00Z', 'Pacific/Kiritimati', '2026-03-01'],
    ['2026-03-01T10:00:00Z', 'Pacific/Kiritimati', '2026-03-02'],
  ])('%s in %s is %s', (at, zone, expected) => {
    expect(localDateAt(new Date(at), zone)).toBe(expected);
  });

  it('refuses an invalid Date', () => {
    expect(() => localDateAt(new Date('nope'), 'UTC')).toThrow(RangeError);
  });
});

describe('instantOf', () => {
  it.each([
    ['gap start moves to the end of the gap', '2026-03-29', '02:00', 'Europe/Berlin', '2026-03-29T01:00:00Z'],
    ['inside the gap moves to its end, not by its length', '2026-03-29', '02:59', 'Europe/Berlin', '2026-03-29T01:00:00Z'],
    ['just after the gap', '2026-03-29', '03:00', 'Europe/Berlin', '2026-03-29T01:00:00Z'],
    ['repeated hour: first occurrence', '2026-10-25', '02:00', 'Europe/Berlin', '2026-10-25T00:00:00Z'],
    ['New York gap', '2026-03-08', '02:30', 'America/New_York', '2026-03-08T07:00:00Z'],
    ['Lord Howe half-hour gap', '2026-10-04', '02:10', 'Australia/Lord_Howe', '2026-10-03T15:30:00Z'],
    ['a skipped whole day resolves to the next one', '2011-12-30', '12:00', 'Pacific/Apia', '2011-12-30T10:00:00Z'],
  ])('%s', (_name, date, time, zone, expected) => {
    expect(instant(date, time, zone)).toBe(expected);
  });
});

describe('parsers', () => {
  it('times are HH:mm or HH:mm:ss within a day', () => {
    expect(parseLocalTime('23:59:59')?.toString()).toBe('23:59:59');
    expect(['24:00', '7:00', '07:00Z', '', '07:60'].map(parseLocalTime)).toEqual([null, null, null, null, null]);
  });

  it('dates are real calendar days', () => {
    expect(parseLocalDate('2028-02-29')?.toString()).toBe('2028-02-29');
    expect(['2026-02-29', '2026-04-31', '20260101', '+002026-01-01'].map(parseLocalDate)).toEqual([null, null, null, null]);
  });
});

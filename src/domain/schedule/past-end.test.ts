import { describe, expect, it } from 'vitest';
import { pastEndProblems } from './past-end.js';
import type { Schedule } from './types.js';

const schedule: Schedule = {
  startOn: '2026-03-02',
  endOn: '2026-03-10',
  operationalStartTime: '09:00',
  operationalEndTime: '17:00',
  timeZone: 'America/New_York',
  operationalDays: [],
  operationFrequency: 'DAILY',
};
const fieldsAt = (s: Schedule, iso: string) => pastEndProblems(s, new Date(iso)).map((p) => p.field);

describe('pastEndProblems', () => {
  it('refuses an end day before today in the zone, and says what today is', () => {
    const problems = pastEndProblems(schedule, new Date('2026-03-12T15:00:00Z'));
    expect(problems).toEqual([{ field: 'endOn', message: expect.stringContaining('is in the past (today in America/New_York is 2026-03-12)') }]);
  });

  it('judges "today" in the schedule zone, not in UTC', () => {
    // 03:00 UTC on the 11th is still the evening of the 10th in New York, after the 17:00 close.
    expect(pastEndProblems(schedule, new Date('2026-03-11T03:00:00Z'))[0]!.message).toMatch(/last window closed at 17:00 \(America\/New_York\)/);
    // 20:00 UTC on the 10th is 16:00 in New York: the last window is still open.
    expect(fieldsAt(schedule, '2026-03-10T20:00:00Z')).toEqual([]);
  });

  it('accepts an open end, a future end, and an end day whose whole-day window is still open', () => {
    expect(fieldsAt({ ...schedule, endOn: null }, '2030-01-01T00:00:00Z')).toEqual([]);
    expect(fieldsAt(schedule, '2026-03-01T00:00:00Z')).toEqual([]);
    const wholeDay = { ...schedule, operationalStartTime: null, operationalEndTime: null };
    expect(fieldsAt(wholeDay, '2026-03-11T03:00:00Z')).toEqual([]);
    expect(fieldsAt(wholeDay, '2026-03-11T05:00:00Z')).toEqual(['endOn']);
  });
});

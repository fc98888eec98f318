import { describe, expect, it } from 'vitest';
import { validateSchedule } from './validate.js';

const valid = {
  startOn: '2026-03-02',
  endOn: '2026-06-30',
  operationalStartTime: '09:00',
  operationalEndTime: '17:30',
  timeZone: 'Europe/Berlin',
  operationalDays: ['MONDAY', 'THURSDAY'],
  operationFrequency: 'WEEKLY',
};

const fieldsOf = (input: unknown) => validateSchedule(input).map((p) => p.field);

describe('validateSchedule', () => {
  it.each([
    ['a complete weekly schedule', valid],
    ['an open end and a whole-day window', { ...valid, endOn: null, operationalStartTime: null, operationalEndTime: null }],
    ['absent nullable fields', { startOn: '2026-03-02', timeZone: 'UTC', operationFrequency: 'DAILY' }],
    ['an overnight window', { ...valid, operationalStartTime: '22:00', operationalEndTime: '02:00' }],
    ['a window from midnight', { ...valid, operationalStartTime: '00:00', operationalEndTime: '00:01' }],
    ['a one-day campaign', { ...valid, endOn: valid.startOn }],
    ['a non-weekly schedule without days', { ...valid, operationFrequency: 'MONTHLY', operationalDays: [] }],
  ])('accepts %s', (_name, input) => {
    expect(validateSchedule(input)).toEqual([]);
  });

  it('lists every problem at once, by JSON field', () => {
    const problems = validateSchedule({
      startOn: '2026-02-30',
      endOn: '2026-13-01',
      operationalStartTime: '24:00',
      operationalEndTime: '9:00',
      timeZone: 'Mars/Olympus_Mons',
      operationalDays: [],
      operationFrequency: 'WEEKLY',
    });
    expect(problems.map((p) => p.field)).toEqual([
      'timeZone',
      'startOn',
      'endOn',
      'operationalStartTime',
      'operationalEndTime',
      'operationalDays',
    ]);
    expect(problems.every((p) => p.message.length > 0)).toBe(true);
  });

  it('endOn before startOn', () => {
    expect(validateSchedule({ ...valid, endOn: '2026-03-01' })).toEqual([
      { field: 'endOn', message: 'endOn must be on or after startOn' },
    ]);
  });

  it('an empty window (start equals end) names operationalEndTime and both ways out', () => {
    const problems = validateSchedule({ ...valid, operationalStartTime: '10:00', operationalEndTime: '10:00' });
    expect(problems.map((p) => p.field)).toEqual(['operationalEndTime']);
    expect(problems[0]!.message).toMatch(/leave both out for the whole day/);
    expect(problems[0]!.message).toMatch(/end earlier than the start for an overnight window/);
  });

  it('one time without the other names the missing one', () => {
    expect(fieldsOf({ ...valid, operationalEndTime: null })).toEqual(['operationalEndTime']);
    expect(fieldsOf({ ...valid, operationalStartTime: undefined })).toEqual(['operationalStartTime']);
  });

  it.each([
    ['timeZone', { timeZone: '+01:00' }],
    ['timeZone', { timeZone: '' }],
    ['timeZone', { timeZone: 42 }],
    ['startOn', { startOn: undefined }],
    ['startOn', { startOn: '2026-3-2' }],
    ['startOn', { startOn: '2026-03-02T00:00' }],
    ['operationalStartTime', { operationalStartTime: '09:60' }],
    ['operationalStartTime', { operationalStartTime: '09:00:00.5' }],
    // HH:mm as documented: seconds are refused, although the database itself returns them.
    ['operationalStartTime', { operationalStartTime: '00:00:00' }],
    ['operationalEndTime', { operationalEndTime: '17:30:00' }],
    ['operationFrequency', { operationFrequency: 'HOURLY' }],
    ['operationFrequency', { operationFrequency: undefined }],
    ['operationalDays', { operationalDays: ['MONDAY', 'FUNDAY'] }],
    ['operationalDays', { operationalDays: 'MONDAY' }],
    ['operationalDays', { operationalDays: undefined }],
  ])('flags %s in %j', (field, patch) => {
    expect(fieldsOf({ ...valid, ...patch })).toEqual([field]);
  });

  it('accepts a leap day and a differently cased zone name', () => {
    expect(validateSchedule({ ...valid, startOn: '2028-02-29', endOn: null, timeZone: 'america/new_york' })).toEqual([]);
  });

  it('refuses a non-object', () => {
    expect(fieldsOf(null)).toEqual(['schedule']);
    expect(fieldsOf([valid])).toEqual(['schedule']);
  });
});

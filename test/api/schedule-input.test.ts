import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeManualClock } from '../../src/lib/clock.js';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';

// POST /campaigns/{id}/schedule: rules a schedule must meet when it is set, judged with the
// injected clock ("now" is 2026-06-20 12:00 UTC) in the schedule's own zone.

const clock = makeManualClock('2026-06-20T12:00:00Z');
let t: TestApp;
let tenant: string;
let id: string;
beforeAll(async () => {
  t = await buildTestApp({ clock });
  tenant = newTenant();
  id = (await t.call(tenant, 'POST', '/campaigns', { title: 'schedule rules' })).json().id;
});
afterAll(async () => t.close());

const base = { startOn: '2026-06-01', timeZone: 'UTC', operationFrequency: 'DAILY' };
const post = (body: unknown) => t.call(tenant, 'POST', `/campaigns/${id}/schedule`, body);
const stored = async () => (await t.call(tenant, 'GET', `/campaigns/${id}/schedule`)).json();
const version = async () => (await t.call(tenant, 'GET', `/campaigns/${id}`)).json().version;

describe('schedule input', () => {
  it.each([
    ['an end day before today', { ...base, endOn: '2026-06-19' }, 'endOn', /is in the past \(today in UTC is 2026-06-20\)/],
    // 12:00 UTC is already 02:00 on the 21st in Kiritimati (UTC+14): the 20th is over there.
    ['an end day over in the zone though not in UTC', { ...base, timeZone: 'Pacific/Kiritimati', endOn: '2026-06-20' }, 'endOn', /is in the past/],
    ['an empty window', { ...base, operationalStartTime: '10:00', operationalEndTime: '10:00' }, 'operationalEndTime', /leave both out for the whole day/],
    ['seconds in a time', { ...base, operationalStartTime: '00:00:00', operationalEndTime: '08:00' }, 'operationalStartTime', /HH:mm/],
    // PostgreSQL has no year 0: these were a 500 ("date/time field value out of range").
    ['a start in year 0000', { ...base, startOn: '0000-01-01' }, 'startOn', /^startOn must be a calendar date as YYYY-MM-DD, from 0001-01-01 to 9999-12-31$/],
    ['an end in year 0000', { ...base, endOn: '0000-12-31' }, 'endOn', /^endOn must be a calendar date as YYYY-MM-DD, from 0001-01-01 to 9999-12-31$/],
  ])('refuses %s, naming the field, and writes nothing', async (_name, body, field, message) => {
    const before = await version();
    const res = await post(body);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().errors).toEqual([{ field, message: expect.stringMatching(message) }]);
    expect(await stored()).toBeNull();
    expect(await version()).toBe(before);
  });

  it('a wrong frequency or type does not hide the calendar problems: every field is listed once', async () => {
    const res = await post({ startOn: '2026-02-30', operationalStartTime: '25:00', operationalEndTime: '10:00', timeZone: 'Mars/Base', operationFrequency: 'SOMETIMES' });
    expect(res.statusCode).toBe(400);
    const fields = res.json().errors.map((e: { field: string }) => e.field);
    expect(fields.sort()).toEqual(['operationFrequency', 'operationalStartTime', 'startOn', 'timeZone']);
    // A field of the wrong type is reported by its type alone, not also by the calendar rules.
    const typed = await post({ ...base, startOn: 20260601 });
    expect(typed.json().errors).toEqual([{ field: 'startOn', message: expect.any(String) }]);
    expect(await stored()).toBeNull();
  });

  it('accepts an end later today in the zone (the whole-day window is still open)', async () => {
    const res = await post({ ...base, endOn: '2026-06-20' });
    expect(res.statusCode, res.body).toBe(200);
    expect((await stored()).endOn).toBe('2026-06-20');
  });

  it.each(['0001-01-01', '9999-12-31'])('stores %s, a date at the edge of the accepted range', async (day) => {
    const schedule = day === '0001-01-01' ? { ...base, startOn: day } : { ...base, endOn: day };
    const res = await post(schedule);
    expect(res.statusCode, res.body).toBe(200);
    expect(await stored()).toMatchObject(schedule);
  });

  it('stores a day listed twice once, in the order given', async () => {
    const res = await post({ ...base, operationFrequency: 'WEEKLY', operationalDays: ['FRIDAY', 'MONDAY', 'FRIDAY', 'MONDAY'] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().operationalDays).toEqual(['FRIDAY', 'MONDAY']);
    expect((await stored()).operationalDays).toEqual(['FRIDAY', 'MONDAY']);
  });
});

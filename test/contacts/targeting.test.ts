import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeManualClock } from '../../src/lib/clock.js';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';

// The targeting rules of PRODUCT.md, evaluated by SQL (the audience freeze's own predicate)
// through GET /campaigns/{id}/targets/preview, with the clock injected to pick the day.

const clock = makeManualClock('2025-06-15T12:00:00Z');
let t: TestApp;
const tenant = newTenant();

beforeAll(async () => {
  t = await buildTestApp({ clock });
  const people: Record<string, unknown>[] = [
    // ages
    { firstName: 'June15', birthDate: '2000-06-15', contactType: 'age' },
    { firstName: 'Leap', birthDate: '1996-02-29', contactType: 'age' },
    { firstName: 'NoBirth', contactType: 'age' },
    // gender
    { firstName: 'Female', gender: 'FEMALE', contactType: 'gender' },
    { firstName: 'Male', gender: 'MALE', contactType: 'gender' },
    { firstName: 'NoGender', contactType: 'gender' },
    // tags
    { firstName: 'GoldBeta', tags: [' Gold ', 'Beta'], contactType: 'tags' },
    { firstName: 'GoldOnly', tags: ['GOLD'], contactType: 'tags' },
    { firstName: 'NoTags', contactType: 'tags' },
    // another type, never in the tables above
    { firstName: 'Other', birthDate: '2000-06-15', gender: 'FEMALE', tags: ['gold'], contactType: 'other' },
  ];
  for (const [i, p] of people.entries()) {
    const res = await t.call(tenant, 'POST', '/contacts', { email: `p${i}@example.com`, ...p });
    expect(res.statusCode, res.body).toBe(201);
  }
});
afterAll(async () => t.close());

async function campaignWith(target: Record<string, unknown>, timeZone?: string): Promise<string> {
  const id = (await t.call(tenant, 'POST', '/campaigns', { title: 'targeting' })).json().id;
  const put = await t.call(tenant, 'PUT', `/campaigns/${id}/targets`, target);
  expect(put.statusCode, put.body).toBe(200);
  if (timeZone) {
    const s = await t.call(tenant, 'POST', `/campaigns/${id}/schedule`, { startOn: '2030-01-01', timeZone, operationFrequency: 'DAILY' });
    expect(s.statusCode, s.body).toBeLessThan(300);
  }
  return id;
}

async function reached(id: string, at?: string) {
  if (at) clock.set(at);
  const res = await t.call(tenant, 'GET', `/campaigns/${id}/targets/preview?limit=200`);
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json();
  const names = (body.sample as { firstName: string }[]).map((c) => c.firstName).sort();
  expect(body.count).toBe(names.length);
  return names;
}

describe('targeting (SQL, through the preview)', () => {
  // Noon UTC: the same date in UTC, the default zone of a campaign without a schedule.
  it.each([
    ['day before the birthday', '2025-06-14', { minAge: 25, maxAge: 25 }, []],
    ['day of the birthday', '2025-06-15', { minAge: 25, maxAge: 25 }, ['June15']],
    ['day after the birthday', '2025-06-16', { minAge: 25, maxAge: 25 }, ['June15']],
    ['maxAge, day before', '2025-06-14', { maxAge: 24 }, ['June15']],
    ['maxAge, day of', '2025-06-15', { maxAge: 24 }, []],
    ['29 Feb birth, 28 Feb of a common year', '2025-02-28', { minAge: 29, maxAge: 29 }, []],
    ['29 Feb birth, 1 Mar of a common year', '2025-03-01', { minAge: 29, maxAge: 29 }, ['Leap']],
    ['29 Feb birth, 28 Feb of a leap year', '2024-02-28', { minAge: 28, maxAge: 28 }, []],
    ['29 Feb birth, 29 Feb of a leap year', '2024-02-29', { minAge: 28, maxAge: 28 }, ['Leap']],
    ['no bound keeps contacts without a birth date', '2025-06-15', {}, ['June15', 'Leap', 'NoBirth']],
    ['a bound leaves them out', '2025-06-15', { minAge: 0 }, ['June15', 'Leap']],
  ])('%s (%s)', async (_name, day, ages, expected) => {
    const id = await campaignWith({ contactType: 'age', ...ages });
    expect(await reached(id, `${day}T12:00:00Z`)).toEqual(expected);
  });

  it('counts the age on the date of the campaign zone, not UTC (Pacific/Auckland)', async () => {
    // 2025-06-14T13:00Z is already 15 June 01:00 in Auckland (UTC+12), still 14 June in UTC.
    const auckland = await campaignWith({ contactType: 'age', minAge: 25, maxAge: 25 }, 'Pacific/Auckland');
    const utc = await campaignWith({ contactType: 'age', minAge: 25, maxAge: 25 });
    expect(await reached(auckland, '2025-06-14T13:00:00Z')).toEqual(['June15']);
    expect(await reached(utc)).toEqual([]);
    const res = (await t.call(tenant, 'GET', `/campaigns/${auckland}/targets/preview`)).json();
    expect(res).toMatchObject({ onDate: '2025-06-15', timeZone: 'Pacific/Auckland' });
    // Just before local midnight in Auckland it is still the 14th there.
    expect(await reached(auckland, '2025-06-14T11:59:59Z')).toEqual([]);
    // `on` overrides the day (e.g. the planned start).
    const on = (await t.call(tenant, 'GET', `/campaigns/${utc}/targets/preview?on=2025-06-15`)).json();
    expect(on).toMatchObject({ count: 1, onDate: '2025-06-15' });
  });

  it.each([
    ['empty genders = any, NULL gender included', { genders: [] }, ['Female', 'Male', 'NoGender']],
    ['absent genders = any', {}, ['Female', 'Male', 'NoGender']],
    ['one gender leaves NULL out', { genders: ['FEMALE'] }, ['Female']],
    ['two genders', { genders: ['FEMALE', 'MALE'] }, ['Female', 'Male']],
  ])('gender: %s', async (_n, target, expected) => {
    expect(await reached(await campaignWith({ contactType: 'gender', ...target }))).toEqual(expected);
  });

  it.each([
    ['any, other case and spaces', { contactTags: [' gold '] }, ['GoldBeta', 'GoldOnly']],
    ['any of two', { contactTags: ['beta', 'nope'] }, ['GoldBeta']],
    ['ALL', { contactTags: ['GOLD', 'beta'], tagMatch: 'ALL' }, ['GoldBeta']],
    ['ALL with a missing tag', { contactTags: ['gold', 'nope'], tagMatch: 'ALL' }, []],
    ['no tags = no tag filter, untagged included', { contactTags: [] }, ['GoldBeta', 'GoldOnly', 'NoTags']],
  ])('tags: %s', async (_n, target, expected) => {
    expect(await reached(await campaignWith({ contactType: 'tags', ...target }))).toEqual(expected);
  });

  it('takes one or more contact types', async () => {
    clock.set('2025-06-15T12:00:00Z');
    expect(await reached(await campaignWith({ contactType: ['gender', 'other'], genders: ['FEMALE'] }))).toEqual(['Female', 'Other']);
    expect(await reached(await campaignWith({ contactType: 'nobody' }))).toEqual([]);
  });

  it('pages the sample by keyset, answers 409 without a target and 404 for an unknown campaign', async () => {
    const id = await campaignWith({ contactType: ['age', 'gender', 'tags'] });
    const ids: string[] = [];
    let cursor = '';
    for (;;) {
      const page = (await t.call(tenant, 'GET', `/campaigns/${id}/targets/preview?limit=4${cursor ? `&cursor=${cursor}` : ''}`)).json();
      expect(page.count).toBe(9);
      ids.push(...page.sample.map((c: { id: string }) => c.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(ids).toHaveLength(9);
    expect(new Set(ids).size).toBe(9);
    const bare = (await t.call(tenant, 'POST', '/campaigns', { title: 'no target' })).json().id;
    expect((await t.call(tenant, 'GET', `/campaigns/${bare}/targets/preview`)).statusCode).toBe(409);
    expect((await t.call(tenant, 'GET', `/campaigns/00000000-0000-4000-8000-000000000000/targets/preview`)).statusCode).toBe(404);
    expect((await t.call(newTenant(), 'GET', `/campaigns/${id}/targets/preview`)).statusCode).toBe(404);
  });
});

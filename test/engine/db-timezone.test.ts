import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeManualClock } from '../../src/lib/clock.js';
import { newTenant, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { buildEngineApp, planned, readyCampaign, setStatus } from './helpers.js';

// The schedule's answers must not depend on the database's TimeZone setting: a server set to
// UTC+14 (Pacific/Kiritimati, where the calendar day differs from Berlin's most of the time)
// plans the same instants and gives back the same local dates.

const clock = makeManualClock('2026-03-27T12:00:00Z');
let db: TestDatabase;
let t: TestApp;
beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query(`ALTER DATABASE ${db.name} SET "TimeZone" TO 'Pacific/Kiritimati'`);
  t = await buildEngineApp({ db, clock });
});
afterAll(async () => {
  await t.close();
  await db.drop();
});

describe("the database's TimeZone", () => {
  it('changes nothing: the same start and end instants, the same local dates', async () => {
    // The setting is really in force for a connection that does not pin its zone.
    const raw = new pg.Client({ connectionString: db.url });
    await raw.connect();
    expect((await raw.query('SHOW TimeZone')).rows[0].TimeZone).toBe('Pacific/Kiritimati');
    await raw.end();

    const tenant = newTenant();
    const schedule = { startOn: '2026-03-29', endOn: '2026-03-30', operationalStartTime: '02:30', operationalEndTime: '23:30', timeZone: 'Europe/Berlin', operationFrequency: 'DAILY' };
    const id = await readyCampaign(t, tenant, { channels: ['email'], schedule });
    await setStatus(t, tenant, id, 'SCHEDULED');
    // 02:30 does not exist in Berlin on 29 March 2026: the window opens at 03:00 CEST = 01:00Z.
    expect((await planned(t.db.pool, `campaign-start:${tenant}:${id}`))?.run_at.toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect((await planned(t.db.pool, `campaign-end:${tenant}:${id}`))?.run_at.toISOString()).toBe('2026-03-30T21:30:00.000Z');
    const read = (await t.call(tenant, 'GET', `/campaigns/${id}`)).json();
    expect(read.schedule).toMatchObject({ startOn: '2026-03-29', endOn: '2026-03-30', operationalStartTime: '02:30', operationalEndTime: '23:30' });
  });
});

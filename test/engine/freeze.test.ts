import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/pool.js';
import { makeManualClock } from '../../src/lib/clock.js';
import { newTenant, type TestApp } from '../helpers/app.js';
import { buildEngineApp, readyCampaign, seedContacts, setStatus } from './helpers.js';

// The audience freeze: who gets a ledger row, on which channel, and why some are SKIPPED.

const clock = makeManualClock('2027-02-28T12:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await buildEngineApp({ clock });
});
afterAll(async () => t.close());

async function frozen(tenant: string, campaignId: string) {
  return withTenant(t.db.pool, tenant, async (tx) => {
    const { rows } = await tx.query<{ external_id: string; channel: string; status: string; skip_reason: string | null; tracking_id: string }>(
      `SELECT c.external_id, d.channel, d.status, d.skip_reason, d.tracking_id FROM dispatches d JOIN contacts c ON c.id = d.contact_id
       WHERE d.campaign_id = $1 ORDER BY c.external_id, d.channel`,
      [campaignId],
    );
    return rows;
  });
}

describe('audience freeze', () => {
  it('targets by type, gender, tags (any/all, case-insensitive) and whole years on the dispatch day', async () => {
    const tenant = newTenant();
    // ext-1..ext-5 (seedContacts numbers external ids from 1)
    await seedContacts(t.db.pool, tenant, 5, (i) =>
      [
        { gender: 'FEMALE', tags: ['VIP'], birthDate: '2008-02-29' },
        { gender: 'MALE', tags: ['vip', 'News'], birthDate: '1990-01-01' },
        { gender: 'FEMALE', tags: ['news'], birthDate: null },
        { contactType: 'CUSTOMER', gender: 'FEMALE', tags: ['VIP'], birthDate: '1990-01-01' },
        { gender: 'FEMALE', tags: ['Vip'], birthDate: '2010-06-01' },
      ][i],
    );
    const adultVipWomen = { contactType: ['LEAD'], genders: ['FEMALE'], contactTags: [' vip '], minAge: 19 };
    const ids = async (target: Record<string, unknown>) => {
      const id = await readyCampaign(t, tenant, { channels: ['email'], target });
      await setStatus(t, tenant, id, 'RUNNING');
      return (await frozen(tenant, id)).map((r) => r.external_id);
    };
    // 28 Feb 2027: the 29 Feb 2008 birthday has not come yet -> 18.
    clock.set('2027-02-28T12:00:00Z');
    expect(await ids(adultVipWomen)).toEqual([]);
    expect(await ids({ contactType: ['LEAD'], maxAge: 18 })).toEqual(['ext-1', 'ext-5']);
    // 1 March 2027: it counts -> 19.
    clock.set('2027-03-01T12:00:00Z');
    expect(await ids(adultVipWomen)).toEqual(['ext-1']);
    expect(await ids({ contactType: ['LEAD', 'CUSTOMER'], contactTags: ['VIP', 'NEWS'], tagMatch: 'ALL' })).toEqual(['ext-2']);
    expect(await ids({ contactType: ['LEAD', 'CUSTOMER'], contactTags: ['news'] })).toEqual(['ext-2', 'ext-3']);
  });

  it('writes a SKIPPED row with the reason when the channel has no address or the contact opted out', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 5, (i) =>
      [
        { email: null },
        { phone: null },
        { address: { line1: 'Main St 1' } },
        { address: { line1: 'Main St 2', postalCode: '10115' }, optOutEmail: true },
        {},
      ][i],
    );
    const id = await readyCampaign(t, tenant, { channels: ['email', 'call', 'whatsapp', 'mail'] });
    await setStatus(t, tenant, id, 'RUNNING');
    const rows = await frozen(tenant, id);
    expect(rows).toHaveLength(20);
    const skipped = rows.filter((r) => r.status === 'SKIPPED').map((r) => `${r.external_id} ${r.channel} ${r.skip_reason}`);
    expect(skipped).toEqual([
      'ext-1 EMAIL no_email',
      'ext-2 CALL no_phone',
      'ext-2 WHATSAPP no_phone',
      'ext-3 MAIL no_address',
      'ext-4 EMAIL opted_out',
    ]);
    expect(rows.filter((r) => r.status === 'PENDING')).toHaveLength(15);
    // Tracking ids: unique, URL-safe, 22 characters of base64url.
    expect(new Set(rows.map((r) => r.tracking_id)).size).toBe(20);
    for (const r of rows) expect(r.tracking_id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('freezes once: a resume does not add contacts that arrived while paused', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 3);
    const id = await readyCampaign(t, tenant, { channels: ['email'] });
    await setStatus(t, tenant, id, 'RUNNING');
    await setStatus(t, tenant, id, 'PAUSED');
    await seedContacts(t.db.pool, tenant, 2, (i) => ({ externalId: `late-${i}`, email: `late${i}@example.test` }));
    await setStatus(t, tenant, id, 'RUNNING');
    expect(await frozen(tenant, id)).toHaveLength(3);
  });

  it('refuses a new target once the audience is frozen, and takes one while paused before the first run', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 2);
    const schedule = { startOn: '2099-01-01', endOn: '2099-12-31', timeZone: 'UTC', operationFrequency: 'DAILY' };
    const never = await readyCampaign(t, tenant, { channels: ['email'], schedule });
    await setStatus(t, tenant, never, 'SCHEDULED');
    await setStatus(t, tenant, never, 'PAUSED');
    expect((await t.call(tenant, 'PUT', `/campaigns/${never}/targets`, { contactType: ['CUSTOMER'] })).statusCode).toBe(200);

    const ran = await readyCampaign(t, tenant, { channels: ['email'] });
    await setStatus(t, tenant, ran, 'RUNNING');
    await setStatus(t, tenant, ran, 'PAUSED');
    const r = await t.call(tenant, 'PUT', `/campaigns/${ran}/targets`, { contactType: ['CUSTOMER'] });
    expect(r.statusCode).toBe(409);
    expect(r.json().detail).toContain('frozen');
    expect((await t.call(tenant, 'GET', `/campaigns/${ran}/targets`)).json().contactType).toEqual(['LEAD']);
  });
});

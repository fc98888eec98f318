import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';
import { ledgerStatuses, progress, readyCampaign, seedContacts, setStatus, sinkCounts } from './helpers.js';

// The engine in one process, its batch job fired by hand: freeze, claims, outcomes, completion.

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { ROLE: 'api', RATE_LIMIT_CALL: '0', RATE_LIMIT_EMAIL: '0', RATE_LIMIT_WHATSAPP: '0' } });
});
afterAll(async () => t.close());

describe('a campaign run', () => {
  it('freezes the audience, sends each contact once per channel, completes by itself', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 30, (i) => (i === 0 ? { email: null } : i === 1 ? { optOutEmail: true } : {}));
    const id = await readyCampaign(t, tenant, { channels: ['email', 'call'], batchSize: 20 });
    await setStatus(t, tenant, id, 'RUNNING');
    const p0 = await progress(t, tenant, id);
    expect(p0.channels.EMAIL).toEqual({ total: 30, pending: 28, sending: 0, sent: 0, failed: 0, skipped: 2, uncertain: 0 });
    expect(p0.channels.CALL.pending).toBe(30);

    const first = await t.app.execution.dispatcher.runBatch(tenant, id);
    expect(first).toMatchObject({ result: 'dispatched', handled: 20 });
    let report = first;
    for (let i = 0; i < 5 && report.result !== 'completed'; i++) report = await t.app.execution.dispatcher.runBatch(tenant, id);
    expect(report.result).toBe('completed');
    const p = await progress(t, tenant, id);
    expect(p.campaignStatus).toBe('COMPLETED');
    expect(p.overall).toMatchObject({ total: 60, sent: 58, skipped: 2, pending: 0 });
    expect(await sinkCounts(t.db.pool, tenant, id)).toEqual({ records: 58, distinct: 58 });
    const skipped = await t.call(tenant, 'GET', `/campaigns/${id}/dispatches?status=SKIPPED`);
    expect(skipped.json().items.map((d: { skipReason: string }) => d.skipReason).sort()).toEqual(['no_email', 'opted_out']);
    expect(await ledgerStatuses(t.db.pool, tenant, id)).toEqual({ SENT: 58, SKIPPED: 2 });
  });
});

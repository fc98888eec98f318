import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelAdapter, OutboundMessage } from '../../src/channels/channel.js';
import { accepted } from '../../src/channels/errors.js';
import { withTenant } from '../../src/db/pool.js';
import { claimDue } from '../../src/db/queries/dispatches.js';
import { makeManualClock } from '../../src/lib/clock.js';
import { newTenant, type TestApp } from '../helpers/app.js';
import { buildEngineApp, ledgerStatuses, planned, progress, readyCampaign, seedContacts, setStatus } from './helpers.js';

// Rows whose send may or may not have happened (a worker died holding them): a campaign with
// only those left waits for the operator (CAMPAIGN_UNCERTAIN_HOLD) instead of completing, and
// POST /campaigns/{id}/dispatches/resolve settles them as SENT or FAILED without resending.

const clock = makeManualClock('2026-06-10T10:00:00Z');
const sends: OutboundMessage[] = [];
const email: ChannelAdapter = {
  channel: 'EMAIL',
  async send(m) {
    sends.push(m);
    return accepted(`msg-${m.dispatchId}`);
  },
};
const env = { CAMPAIGN_SENDING_LEASE: '60', CAMPAIGN_UNCERTAIN_HOLD: '3600' };
let t: TestApp;
beforeAll(async () => {
  t = await buildEngineApp({ clock, channels: { EMAIL: email }, env });
});
afterAll(async () => t.close());

/** A RUNNING campaign of `n` contacts where a dead worker left `lost` rows UNCERTAIN; the rest sent. */
async function campaignWithLostRows(app: TestApp, tenant: string, n: number, lost: number) {
  await seedContacts(app.db.pool, tenant, n);
  const id = await readyCampaign(app, tenant, { channels: ['email'] });
  await setStatus(app, tenant, id, 'RUNNING');
  const crashed = await withTenant(app.db.pool, tenant, (tx) => claimDue(tx, tenant, id, 'EMAIL', lost, clock.now(), 60));
  expect((await app.app.execution.dispatcher.runBatch(tenant, id)).handled).toBe(n - lost);
  clock.set(new Date(clock.now().getTime() + 61_000).toISOString()); // the dead worker's lease is over
  return { id, lost: crashed.map((r) => r.id) };
}

describe('a campaign with only UNCERTAIN rows left', () => {
  it('stays RUNNING for the hold, sends nothing more, and completes by itself when the hold ends', async () => {
    const tenant = newTenant();
    const { id } = await campaignWithLostRows(t, tenant, 3, 2);
    const swept = clock.now();
    const report = await t.app.execution.dispatcher.runBatch(tenant, id);
    expect(report).toMatchObject({ result: 'awaiting_decision', handled: 0, nextAt: new Date(swept.getTime() + 3_600_000) });
    expect(await ledgerStatuses(t.db.pool, tenant, id)).toEqual({ SENT: 1, UNCERTAIN: 2 });
    // One re-check is planned, at the end of the hold: no polling meanwhile.
    expect((await planned(t.db.pool, `campaign-batch:${tenant}:${id}`))?.run_at).toEqual(report.nextAt);
    clock.set(new Date(swept.getTime() + 1_800_000).toISOString());
    expect((await t.app.execution.dispatcher.runBatch(tenant, id)).result).toBe('awaiting_decision');
    expect((await progress(t, tenant, id)).campaignStatus).toBe('RUNNING');
    clock.set(report.nextAt!.toISOString());
    expect((await t.app.execution.dispatcher.runBatch(tenant, id)).result).toBe('completed');
    expect(await ledgerStatuses(t.db.pool, tenant, id)).toEqual({ SENT: 1, UNCERTAIN: 2 });
    expect(sends.filter((m) => m.campaignId === id)).toHaveLength(1);
  });

  it('resolve settles the listed rows, then a channel, without sending; the campaign then completes', async () => {
    const tenant = newTenant();
    const { id, lost } = await campaignWithLostRows(t, tenant, 5, 3);
    expect((await t.app.execution.dispatcher.runBatch(tenant, id)).result).toBe('awaiting_decision');
    const resolve = (body: unknown, who = tenant, campaign = id) => t.call(who, 'POST', `/campaigns/${campaign}/dispatches/resolve`, body);

    // The provider's records show the first one went out.
    const one = await resolve({ outcome: 'sent', ids: [lost[0]] });
    expect(one.json()).toEqual({ resolved: 1, campaignStatus: 'RUNNING' });
    const rows = (await t.call(tenant, 'GET', `/campaigns/${id}/dispatches?status=SENT&limit=10`)).json().items;
    const settled = rows.find((r: { id: string }) => r.id === lost[0]);
    expect(settled).toMatchObject({ status: 'SENT', sentAt: clock.now().toISOString() });
    expect(settled.lastError).toBe('lease expired while SENDING: outcome unknown; resolved as SENT by the operator');
    // Re-checked at once: still waiting, for the other two.
    expect((await planned(t.db.pool, `campaign-batch:${tenant}:${id}`))?.run_at).toEqual(clock.now());
    expect((await t.app.execution.dispatcher.runBatch(tenant, id)).result).toBe('awaiting_decision');
    // Only UNCERTAIN rows are touched: a SENT id changes nothing.
    expect((await resolve({ outcome: 'FAILED', ids: [lost[0]] })).json()).toEqual({ resolved: 0, campaignStatus: 'RUNNING' });

    expect((await resolve({ outcome: 'FAILED', channel: 'email', all: true })).json()).toEqual({ resolved: 2, campaignStatus: 'RUNNING' });
    expect((await t.app.execution.dispatcher.runBatch(tenant, id)).result).toBe('completed');
    expect((await progress(t, tenant, id)).overall).toMatchObject({ total: 5, sent: 3, failed: 2, uncertain: 0 });
    expect(sends.filter((m) => m.campaignId === id)).toHaveLength(2); // the two sent before: nothing resent
  });

  it('refuses bad input with the field named, and answers 404 for another tenant', async () => {
    const tenant = newTenant();
    const { id } = await campaignWithLostRows(t, tenant, 2, 1);
    const resolve = (body: unknown, who = tenant) => t.call(who, 'POST', `/campaigns/${id}/dispatches/resolve`, body);
    for (const [body, field] of [
      [{ outcome: 'DELIVERED', all: true }, 'outcome'],
      [{}, 'outcome'],
      // Neither ids nor all: settling every row is never implied.
      [{ outcome: 'SENT' }, 'ids'],
      [{ outcome: 'SENT', channel: 'email' }, 'ids'],
      [{ outcome: 'SENT', all: false }, 'all'],
      [{ outcome: 'SENT', all: true, ids: ['7a1f6d8e-3c1b-4c2a-9e5f-0b6d4a2c1e90'] }, 'ids'],
      [{ outcome: 'SENT', ids: ['not-a-uuid'] }, 'ids.0'],
      [{ outcome: 'SENT', ids: [] }, 'ids'],
      [{ outcome: 'SENT', channel: 'fax' }, 'channel'],
      [{ outcome: 'SENT', status: ['UNCERTAIN'] }, 'status'], // not a field of resolve
    ] as const) {
      const res = await resolve(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json().errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const other = await resolve({ outcome: 'FAILED', all: true }, newTenant());
    expect(other.statusCode).toBe(404);
    expect(await ledgerStatuses(t.db.pool, tenant, id)).toEqual({ SENT: 1, SENDING: 1 });
  });
});

describe('CAMPAIGN_UNCERTAIN_HOLD=0', () => {
  it('completes at once with the UNCERTAIN rows left; resolve still corrects the books, retry is refused', async () => {
    const now = await buildEngineApp({ clock, channels: { EMAIL: email }, env: { ...env, CAMPAIGN_UNCERTAIN_HOLD: '0' } });
    try {
      const tenant = newTenant();
      const { id } = await campaignWithLostRows(now, tenant, 3, 1);
      expect((await now.app.execution.dispatcher.runBatch(tenant, id)).result).toBe('completed');
      expect(await ledgerStatuses(now.db.pool, tenant, id)).toEqual({ SENT: 2, UNCERTAIN: 1 });
      expect((await now.call(tenant, 'POST', `/campaigns/${id}/dispatches/retry`, { status: ['UNCERTAIN'] })).statusCode).toBe(409);
      const res = await now.call(tenant, 'POST', `/campaigns/${id}/dispatches/resolve`, { outcome: 'FAILED', all: true });
      expect(res.json()).toEqual({ resolved: 1, campaignStatus: 'COMPLETED' });
      expect(await ledgerStatuses(now.db.pool, tenant, id)).toEqual({ SENT: 2, FAILED: 1 });
    } finally {
      await now.close();
    }
  });
});

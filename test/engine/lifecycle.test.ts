import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeManualClock } from '../../src/lib/clock.js';
import { makeTaskList } from '../../src/jobs/worker.js';
import { newTenant, type TestApp } from '../helpers/app.js';
import { buildEngineApp, ledgerStatuses, planned, progress, readyCampaign, seedContacts, setStatus } from './helpers.js';

// Start, end and batch jobs planned in the status transaction, with a manual clock: what is
// planned when, what the jobs do when they fire, and POST /campaign-schedule.

const clock = makeManualClock('2026-06-20T12:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await buildEngineApp({ clock, env: { METRICS_TOKEN: 'scrape-token-123' } });
});
afterAll(async () => t.close());

const schedule = { startOn: '2026-07-01', endOn: '2026-07-03', operationalStartTime: '09:00', operationalEndTime: '17:00', timeZone: 'UTC', operationFrequency: 'DAILY' };
const keys = (tenant: string, id: string) => ({
  start: `campaign-start:${tenant}:${id}`,
  end: `campaign-end:${tenant}:${id}`,
  batch: `campaign-batch:${tenant}:${id}`,
});
const runAt = async (key: string) => (await planned(t.db.pool, key))?.run_at.toISOString() ?? null;

describe('a scheduled campaign from start to end', () => {
  it('plans, starts, paces its batches inside windows without bursts, and ends while PAUSED', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 10);
    const id = await readyCampaign(t, tenant, { channels: ['email'], batchSize: 2, interval: 10, schedule });
    const k = keys(tenant, id);
    await setStatus(t, tenant, id, 'SCHEDULED');
    expect(await runAt(k.start)).toBe('2026-07-01T09:00:00.000Z');
    expect(await runAt(k.end)).toBe('2026-07-03T17:00:00.000Z');
    expect(await runAt(k.batch)).toBeNull();

    // Editing the schedule of a SCHEDULED campaign re-plans it in the same transaction.
    expect((await t.call(tenant, 'POST', `/campaigns/${id}/schedule`, { ...schedule, startOn: '2026-07-02' })).statusCode).toBeLessThan(300);
    expect(await runAt(k.start)).toBe('2026-07-02T09:00:00.000Z');

    // A start job that fires early (stale) changes nothing and re-plans itself.
    clock.set('2026-07-02T08:00:00Z');
    expect(await t.app.execution.lifecycle.start(tenant, id)).toBe('not_due');
    expect((await progress(t, tenant, id)).campaignStatus).toBe('SCHEDULED');

    // POST /campaign-schedule runs the due checks now, and is idempotent.
    clock.set('2026-07-02T09:00:00Z');
    expect((await t.call(tenant, 'POST', '/campaign-schedule')).json()).toEqual({ started: [id], completed: [] });
    expect((await t.call(tenant, 'POST', '/campaign-schedule')).json()).toEqual({ started: [], completed: [] });
    expect(await runAt(k.start)).toBeNull();
    expect(await runAt(k.batch)).toBe('2026-07-02T09:00:00.000Z');

    const fire = () => t.app.execution.dispatcher.runBatch(tenant, id);
    expect(await fire()).toMatchObject({ handled: 2 });
    expect(await runAt(k.batch)).toBe('2026-07-02T09:00:10.000Z');
    // The instance was down for two minutes: the overdue firing runs once, and the next one is
    // one interval after it (not the twelve missed ticks in a row).
    clock.set('2026-07-02T09:02:10Z');
    expect(await fire()).toMatchObject({ handled: 2 });
    expect(await runAt(k.batch)).toBe('2026-07-02T09:02:20.000Z');
    // Near the close: the next firing is the next day's opening, not a poll through the night.
    clock.set('2026-07-02T16:59:55Z');
    expect(await fire()).toMatchObject({ handled: 2 });
    expect(await runAt(k.batch)).toBe('2026-07-03T09:00:00.000Z');
    // Outside the window a (stale) firing sends nothing and points at the opening.
    clock.set('2026-07-02T20:00:00Z');
    expect(await fire()).toMatchObject({ handled: 0 });
    expect(await runAt(k.batch)).toBe('2026-07-03T09:00:00.000Z');

    await setStatus(t, tenant, id, 'PAUSED');
    expect(await runAt(k.batch)).toBeNull();
    expect(await runAt(k.end)).toBe('2026-07-03T17:00:00.000Z');

    // The end job fires at the close of the last window and completes the PAUSED campaign.
    clock.set('2026-07-03T17:00:00Z');
    const tasks = makeTaskList(t.app.execution);
    await tasks['campaign-end']({ tenantId: tenant, campaignId: id }, {} as never);
    const p = await progress(t, tenant, id);
    expect(p.campaignStatus).toBe('COMPLETED');
    expect(p.overall).toMatchObject({ total: 10, sent: 6, skipped: 4, pending: 0 });
    const skipped = (await t.call(tenant, 'GET', `/campaigns/${id}/dispatches?status=skipped`)).json().items;
    expect(skipped.map((d: { skipReason: string }) => d.skipReason)).toEqual(Array(4).fill('campaign_ended'));
    expect([await runAt(k.start), await runAt(k.end), await runAt(k.batch)]).toEqual([null, null, null]);
  });

  it('a start that comes after the end (service down) completes with nothing sent', async () => {
    // Scheduled while the end is still ahead (an end already past is refused when it is set).
    clock.set('2026-06-20T12:00:00Z');
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 3);
    const id = await readyCampaign(t, tenant, { channels: ['email'], schedule });
    await setStatus(t, tenant, id, 'SCHEDULED');
    clock.set('2026-07-10T10:00:00Z');
    expect((await t.call(tenant, 'POST', '/campaign-schedule')).json()).toEqual({ started: [id], completed: [id] });
    expect(await ledgerStatuses(t.db.pool, tenant, id)).toEqual({ SKIPPED: 3 });
    expect((await progress(t, tenant, id)).campaignStatus).toBe('COMPLETED');
  });

  it('a startOn already past waits for the next window instead of starting (and freezing its audience) at once', async () => {
    clock.set('2026-06-20T12:00:00Z');
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 3);
    const past = { ...schedule, startOn: '2026-06-18', endOn: '2026-06-30', operationalStartTime: '14:00', operationalEndTime: '15:00' };
    const id = await readyCampaign(t, tenant, { channels: ['email'], schedule: past });
    const k = keys(tenant, id);
    await setStatus(t, tenant, id, 'SCHEDULED');
    expect(await runAt(k.start)).toBe('2026-06-20T14:00:00.000Z');
    // A start job or a due check before then changes nothing: no ledger yet.
    expect(await t.app.execution.lifecycle.start(tenant, id)).toBe('not_due');
    expect((await t.call(tenant, 'POST', '/campaign-schedule')).json()).toEqual({ started: [], completed: [] });
    expect((await progress(t, tenant, id)).campaignStatus).toBe('SCHEDULED');
    expect(await ledgerStatuses(t.db.pool, tenant, id)).toEqual({});
    clock.set('2026-06-20T14:00:00Z');
    expect((await t.call(tenant, 'POST', '/campaign-schedule')).json()).toEqual({ started: [id], completed: [] });
    expect(await ledgerStatuses(t.db.pool, tenant, id)).toEqual({ PENDING: 3 });
  });

  it('back to DRAFT and delete remove every job of the campaign', async () => {
    clock.set('2026-06-20T12:00:00Z');
    const tenant = newTenant();
    const id = await readyCampaign(t, tenant, { channels: ['email'], schedule });
    const k = keys(tenant, id);
    await setStatus(t, tenant, id, 'SCHEDULED');
    await setStatus(t, tenant, id, 'DRAFT');
    expect([await runAt(k.start), await runAt(k.end)]).toEqual([null, null]);
    await setStatus(t, tenant, id, 'SCHEDULED');
    expect(await runAt(k.start)).not.toBeNull();
    expect((await t.call(tenant, 'DELETE', `/campaigns/${id}`)).statusCode).toBe(204);
    expect([await runAt(k.start), await runAt(k.end), await runAt(k.batch)]).toEqual([null, null, null]);
  });
});

describe('job changes of each transition, in the status transaction', () => {
  it('start now, pause, resume, reschedule and pause while SCHEDULED plan and drop the right jobs', async () => {
    clock.set('2026-07-01T10:00:00Z'); // inside the first window
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 3);
    const id = await readyCampaign(t, tenant, { channels: ['email'], schedule });
    const k = keys(tenant, id);
    const jobs = async () => ({ start: await runAt(k.start), end: await runAt(k.end), batch: await runAt(k.batch) });
    const end = '2026-07-03T17:00:00.000Z';

    await setStatus(t, tenant, id, 'RUNNING'); // start now: the batch at once, the end planned
    expect(await jobs()).toEqual({ start: null, end, batch: '2026-07-01T10:00:00.000Z' });
    await setStatus(t, tenant, id, 'PAUSED'); // the batch goes, a paused campaign still ends
    expect(await jobs()).toEqual({ start: null, end, batch: null });
    clock.set('2026-07-01T18:00:00Z'); // resumed after the close: the batch waits for the opening
    await setStatus(t, tenant, id, 'RUNNING');
    expect(await jobs()).toEqual({ start: null, end, batch: '2026-07-02T09:00:00.000Z' });
    await setStatus(t, tenant, id, 'PAUSED');
    await setStatus(t, tenant, id, 'SCHEDULED'); // reschedule after the close: the next opening, no batch
    expect(await jobs()).toEqual({ start: '2026-07-02T09:00:00.000Z', end, batch: null });
    await setStatus(t, tenant, id, 'PAUSED'); // pause while SCHEDULED: no start, the end stays
    expect(await jobs()).toEqual({ start: null, end, batch: null });
  });

  it('a refused transition (422) leaves no job behind: the job changes roll back with it', async () => {
    clock.set('2026-06-20T12:00:00Z');
    const tenant = newTenant();
    const created = await t.call(tenant, 'POST', '/campaigns', { title: 'No target', email: true });
    const id = created.json().id as string;
    await t.call(tenant, 'PUT', `/campaigns/${id}/emails`, { templateId: '00000000-0000-4000-8000-000000000001', sourceEmail: 'a@example.test' });
    await t.call(tenant, 'POST', `/campaigns/${id}/schedule`, schedule);
    const refused = await t.call(tenant, 'PUT', `/campaigns/${id}/status`, { status: 'SCHEDULED' });
    expect(refused.statusCode).toBe(422);
    const k = keys(tenant, id);
    expect([await runAt(k.start), await runAt(k.end), await runAt(k.batch)]).toEqual([null, null, null]);
    expect((await t.call(tenant, 'GET', `/campaigns/${id}`)).json().campaignStatus).toBe('DRAFT');
  });
});

describe('jobs', () => {
  it('a job without a tenant fails closed and changes nothing', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 2);
    const id = await readyCampaign(t, tenant, { channels: ['email'] });
    await setStatus(t, tenant, id, 'RUNNING');
    const tasks = makeTaskList(t.app.execution);
    for (const name of ['campaign-batch', 'campaign-start', 'campaign-end'] as const) {
      await expect(tasks[name]({ campaignId: id }, {} as never)).rejects.toThrow(/without a valid tenantId/);
      await expect(tasks[name]({ tenantId: '', campaignId: id }, {} as never)).rejects.toThrow(/without a valid tenantId/);
    }
    // Another tenant's id finds nothing (row-level security), so nothing is sent.
    await tasks['campaign-batch']({ tenantId: newTenant(), campaignId: id }, {} as never);
    expect(await ledgerStatuses(t.db.pool, tenant, id)).toEqual({ PENDING: 2 });
  });
});

describe('outbox and metrics', () => {
  it('GET /outbox pages what the sinks recorded, per tenant, filtered by campaign and channel', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 3);
    const id = await readyCampaign(t, tenant, { channels: ['email', 'call'] });
    await setStatus(t, tenant, id, 'RUNNING');
    expect((await t.app.execution.dispatcher.runBatch(tenant, id)).result).toBe('completed');
    const page1 = (await t.call(tenant, 'GET', `/outbox?campaignId=${id}&limit=4`)).json();
    expect(page1.items).toHaveLength(4);
    const page2 = (await t.call(tenant, 'GET', `/outbox?campaignId=${id}&limit=4&cursor=${page1.nextCursor}`)).json();
    expect(page2.items).toHaveLength(2);
    expect(page2.nextCursor).toBeNull();
    const calls = (await t.call(tenant, 'GET', `/outbox?campaignId=${id}&channel=call`)).json().items;
    expect(calls.map((r: { payload: { to: string } }) => r.payload.to).sort()).toEqual(['+4915100000000', '+4915100000001', '+4915100000002']);
    expect((await t.call(newTenant(), 'GET', `/outbox?campaignId=${id}`)).json().items).toEqual([]);
  });

  it('GET /metrics speaks Prometheus text and, with METRICS_TOKEN set, wants it', async () => {
    expect((await t.app.http.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const res = await t.app.http.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer scrape-token-123' } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    const sent = /campaign_engine_dispatches_sent_total\{channel="CALL"\} (\d+)/.exec(res.body);
    expect(Number(sent?.[1])).toBeGreaterThanOrEqual(3);
    expect(res.body).toMatch(/campaign_engine_batches_total \d+/);
    expect(res.body).toMatch(/campaign_engine_queue_lag_seconds [\d.]+/);
  });
});

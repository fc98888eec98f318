import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChannelAdapter, OutboundMessage } from '../../src/channels/channel.js';
import { TransientError, accepted, permanentFailure, type SendOutcome } from '../../src/channels/errors.js';
import { withTenant } from '../../src/db/pool.js';
import { claimDue } from '../../src/db/queries/dispatches.js';
import { makeManualClock } from '../../src/lib/clock.js';
import { newTenant, type TestApp } from '../helpers/app.js';
import { buildEngineApp, ledgerStatuses, planned, progress, readyCampaign, seedContacts, setStatus, sinkCounts } from './helpers.js';

// Ledger semantics with a scripted adapter and a manual clock: outcomes, back-off, attempts,
// leases, the operator's retry, pause between contacts, graceful stop.

const clock = makeManualClock('2026-06-01T10:00:00Z');
/** What the EMAIL adapter does per contact external id; default: accept. */
let script: (m: OutboundMessage, attempt: number) => Promise<SendOutcome> = async () => accepted('x');
const emailSends: OutboundMessage[] = [];
const emailAdapter: ChannelAdapter = {
  channel: 'EMAIL',
  async send(m) {
    emailSends.push(m);
    return script(m, m.attempt);
  },
};

let t: TestApp;
beforeAll(async () => {
  t = await buildEngineApp({ clock, channels: { EMAIL: emailAdapter }, env: { CAMPAIGN_MAX_ATTEMPTS: '3', CAMPAIGN_SENDING_LEASE: '60' } });
});
afterAll(async () => t.close());

const runBatch = (tenant: string, id: string) => t.app.execution.dispatcher.runBatch(tenant, id);
const rowsOf = async (tenant: string, id: string) =>
  (await t.call(tenant, 'GET', `/campaigns/${id}/dispatches?limit=200`)).json().items as Array<Record<string, unknown>>;
const byExt = async (tenant: string, id: string) => {
  const ext = await withTenant(t.db.pool, tenant, async (tx) =>
    Object.fromEntries((await tx.query(`SELECT id, external_id FROM contacts`)).rows.map((r) => [r.id, r.external_id])),
  );
  return Object.fromEntries((await rowsOf(tenant, id)).map((r) => [ext[r.contactId as string], r]));
};

describe('outcomes', () => {
  it('records SENT, FAILED, back-off, give-up and UNCERTAIN per contact; one bad contact never fails the batch', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 6);
    script = async (m) => {
      const ext = m.contact.externalId;
      if (ext === 'ext-2') return permanentFailure('mailbox does not exist');
      if (ext === 'ext-3' && m.attempt === 1) throw new TransientError('421 try later');
      if (ext === 'ext-4') throw new TransientError('503 always');
      if (ext === 'ext-5') throw new TransientError('timeout after send', { uncertain: true });
      if (ext === 'ext-6') throw new TypeError('adapter bug');
      return accepted(`msg-${ext}`);
    };
    const id = await readyCampaign(t, tenant, { channels: ['email'], interval: 1 });
    await setStatus(t, tenant, id, 'RUNNING');
    clock.set('2026-06-01T10:00:00Z');
    expect((await runBatch(tenant, id)).handled).toBe(6);
    let rows = await byExt(tenant, id);
    expect(rows['ext-1']).toMatchObject({ status: 'SENT', providerMessageId: 'msg-ext-1', attempts: 1 });
    expect(rows['ext-2']).toMatchObject({ status: 'FAILED', lastError: 'mailbox does not exist', attempts: 1 });
    expect(rows['ext-3']).toMatchObject({ status: 'PENDING', attempts: 1, nextAttemptAt: '2026-06-01T10:00:05.000Z' });
    expect(rows['ext-5']).toMatchObject({ status: 'UNCERTAIN', attempts: 1 });
    expect(rows['ext-6']).toMatchObject({ status: 'UNCERTAIN', lastError: 'adapter error: adapter bug' });
    // Nothing is due before the back-off ends: the next firing waits for it instead of spinning.
    const key = `campaign-batch:${tenant}:${id}`;
    expect((await planned(t.db.pool, key))?.run_at.toISOString()).toBe('2026-06-01T10:00:05.000Z');
    expect((await runBatch(tenant, id)).handled).toBe(0);

    clock.set('2026-06-01T10:00:05Z');
    expect((await runBatch(tenant, id)).handled).toBe(2); // ext-3 succeeds, ext-4 fails again
    clock.set('2026-06-01T10:00:20Z');
    const last = await runBatch(tenant, id); // ext-4: third attempt, gives up
    rows = await byExt(tenant, id);
    expect(rows['ext-3']).toMatchObject({ status: 'SENT', attempts: 2 });
    expect(rows['ext-4']).toMatchObject({ status: 'FAILED', attempts: 3, lastError: 'gave up after 3 attempts: 503 always' });
    // Only the two UNCERTAIN rows are left: the campaign waits a day (CAMPAIGN_UNCERTAIN_HOLD)
    // for the operator to retry or resolve them, then completes by itself.
    expect(last).toMatchObject({ result: 'awaiting_decision', nextAt: new Date('2026-06-02T10:00:00Z') });
    expect((await planned(t.db.pool, `campaign-batch:${tenant}:${id}`))?.run_at.toISOString()).toBe('2026-06-02T10:00:00.000Z');
    expect((await progress(t, tenant, id)).campaignStatus).toBe('RUNNING');
    clock.set('2026-06-02T10:00:00Z');
    expect((await runBatch(tenant, id)).result).toBe('completed');
    expect((await progress(t, tenant, id)).overall).toEqual({ total: 6, pending: 0, sending: 0, sent: 2, failed: 2, skipped: 0, uncertain: 2 });
    // Each delivery attempt reached the adapter with the ledger id as the idempotency key.
    const attempts = emailSends.filter((m) => m.campaignId === id);
    expect(attempts).toHaveLength(9);
    expect(new Set(attempts.filter((m) => m.contact.externalId === 'ext-4').map((m) => m.dispatchId)).size).toBe(1);
    expect(await planned(t.db.pool, key)).toBeNull();
  });
});

describe('leases and the operator retry', () => {
  it('a send left SENDING past its lease becomes UNCERTAIN, is not resent, and goes out once more only on retry', async () => {
    script = async (m) => accepted(`msg-${m.dispatchId}`);
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 4);
    const id = await readyCampaign(t, tenant, { channels: ['email'] });
    await setStatus(t, tenant, id, 'RUNNING');
    clock.set('2026-06-02T10:00:00Z');
    // A worker claims two rows and dies before handing them over.
    const crashed = await withTenant(t.db.pool, tenant, (tx) => claimDue(tx, tenant, id, 'EMAIL', 2, clock.now(), 60));
    expect(crashed).toHaveLength(2);
    expect((await runBatch(tenant, id)).handled).toBe(2); // the other two
    expect(await ledgerStatuses(t.db.pool, tenant, id)).toEqual({ SENDING: 2, SENT: 2 });
    clock.set('2026-06-02T10:01:01Z'); // lease (60 s) over
    const r = await runBatch(tenant, id);
    expect(r).toMatchObject({ result: 'awaiting_decision', handled: 0 });
    expect(await ledgerStatuses(t.db.pool, tenant, id)).toEqual({ SENT: 2, UNCERTAIN: 2 });
    const sends = () => emailSends.filter((m) => m.campaignId === id);
    expect(sends()).toHaveLength(2);
    // Later firings (stale, or the hold's re-check before its end) send nothing more.
    expect((await runBatch(tenant, id)).handled).toBe(0);
    expect(sends()).toHaveLength(2);

    // Still RUNNING, so the operator can have them resent.
    expect((await t.call(tenant, 'POST', `/campaigns/${id}/dispatches/retry`, { status: ['SENT'] })).statusCode).toBe(400);
    const retried = await t.call(tenant, 'POST', `/campaigns/${id}/dispatches/retry`, { status: ['UNCERTAIN'] });
    expect(retried.json()).toEqual({ requeued: 2, campaignStatus: 'RUNNING' });
    expect(await runBatch(tenant, id)).toMatchObject({ result: 'completed', handled: 2 });
    expect(new Set(sends().slice(2).map((m) => m.dispatchId))).toEqual(new Set(crashed.map((c) => c.id)));
    // COMPLETED is final: no retry any more.
    expect((await t.call(tenant, 'POST', `/campaigns/${id}/dispatches/retry`, { status: ['FAILED'] })).statusCode).toBe(409);
  });

  it('retry puts UNCERTAIN rows of a RUNNING campaign back to PENDING and plans the batch now', async () => {
    let failedOnce = false;
    script = async (m) => {
      if (m.contact.externalId !== 'ext-1' || failedOnce) return accepted('ok');
      failedOnce = true;
      throw new TransientError('connection reset after the request was written', { uncertain: true });
    };
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 3);
    const id = await readyCampaign(t, tenant, { channels: ['email', 'mail'], interval: 30 });
    await setStatus(t, tenant, id, 'RUNNING');
    clock.set('2026-06-03T10:00:00Z');
    // The MAIL channel (outbox sink) is still pending after a pause, so the campaign stays open.
    await setStatus(t, tenant, id, 'PAUSED');
    await setStatus(t, tenant, id, 'RUNNING');
    await withTenant(t.db.pool, tenant, (tx) => tx.query(`UPDATE dispatches SET next_attempt_at = 'infinity' WHERE channel = 'MAIL'`));
    await runBatch(tenant, id);
    expect((await progress(t, tenant, id)).channels.EMAIL).toMatchObject({ sent: 2, uncertain: 1 });
    const res = await t.call(tenant, 'POST', `/campaigns/${id}/dispatches/retry`, { status: ['UNCERTAIN'], channel: 'email' });
    expect(res.json()).toEqual({ requeued: 1, campaignStatus: 'RUNNING' });
    expect((await planned(t.db.pool, `campaign-batch:${tenant}:${id}`))?.run_at.toISOString()).toBe('2026-06-03T10:00:00.000Z');
    await runBatch(tenant, id);
    expect((await progress(t, tenant, id)).channels.EMAIL).toMatchObject({ sent: 3, uncertain: 0 });
    const ext1 = emailSends.filter((m) => m.campaignId === id && m.contact.externalId === 'ext-1');
    expect(ext1.map((m) => m.attempt)).toEqual([1, 1]); // the retry starts a fresh attempt budget
    expect(ext1[0].dispatchId).toBe(ext1[1].dispatchId); // ...with the same idempotency key
  });
});

describe('pause', () => {
  it('takes effect between two contacts: the pause waits for the contact being handed over, then nothing more is sent', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 10);
    const id = await readyCampaign(t, tenant, { channels: ['email'], batchSize: 10 });
    await setStatus(t, tenant, id, 'RUNNING');
    let pause: Promise<unknown> | undefined;
    let sentWhenPauseReturned = -1;
    const mine = () => emailSends.filter((m) => m.campaignId === id).length;
    script = async () => {
      if (mine() === 3 && !pause) {
        pause = t.call(tenant, 'PUT', `/campaigns/${id}/status`, { status: 'PAUSED' }).then((r) => {
          sentWhenPauseReturned = mine();
          return r;
        });
        await new Promise((r) => setTimeout(r, 150)); // the pause is now waiting for this hand-over
        expect(sentWhenPauseReturned).toBe(-1);
      }
      return accepted('ok');
    };
    const report = await runBatch(tenant, id);
    await pause;
    // Three lanes may each have had one contact in hand when the pause came; none started after it.
    expect(sentWhenPauseReturned).toBe(mine());
    expect(report.handled).toBe(mine());
    expect(mine()).toBeLessThanOrEqual(5);
    const p = await progress(t, tenant, id);
    expect(p.campaignStatus).toBe('PAUSED');
    expect(p.overall).toMatchObject({ sent: mine(), pending: 10 - mine(), sending: 0 });
    expect(await planned(t.db.pool, `campaign-batch:${tenant}:${id}`)).toBeNull();
    // While PAUSED, a (stale) firing sends nothing.
    expect(await runBatch(tenant, id)).toMatchObject({ result: 'not_running', handled: 0 });
    script = async () => accepted('ok');
    await setStatus(t, tenant, id, 'RUNNING');
    expect((await runBatch(tenant, id)).result).toBe('completed');
    expect(mine()).toBe(10);
  });
});

describe('graceful stop', () => {
  it('hands claimed but unsent rows back as PENDING and plans the next firing for the other instances', async () => {
    const db = t.db;
    let stopper: TestApp | undefined;
    let sends = 0;
    const slow: ChannelAdapter = {
      channel: 'EMAIL',
      async send() {
        sends++;
        await new Promise((r) => setTimeout(r, 20));
        return accepted('ok');
      },
    };
    stopper = await buildEngineApp({ clock, db, channels: { EMAIL: slow } });
    const tenant = newTenant();
    await seedContacts(db.pool, tenant, 60);
    const id = await readyCampaign(stopper, tenant, { channels: ['email'], batchSize: 60 });
    await setStatus(stopper, tenant, id, 'RUNNING');
    const running = stopper.app.execution.dispatcher.runBatch(tenant, id);
    // Stop once sending has begun (however slow the machine is to get there), long before the end.
    while (sends < 3) await new Promise((r) => setTimeout(r, 5));
    await stopper.app.close(); // sets the stopping flag first
    const report = await running;
    const statuses = await ledgerStatuses(db.pool, tenant, id);
    expect(statuses.SENDING).toBeUndefined();
    expect(statuses.SENT).toBe(report.handled);
    expect(statuses.PENDING).toBe(60 - report.handled);
    expect(report.handled).toBeGreaterThan(0);
    expect(report.handled).toBeLessThan(60);
    expect(await planned(db.pool, `campaign-batch:${tenant}:${id}`)).not.toBeNull();
    stopper = undefined;
  });
});

describe('rate limits', () => {
  it('defaults from configuration, a per-tenant override, enforced by the shared bucket', async () => {
    const tenant = newTenant();
    const get = async (ch: string) => (await t.call(tenant, 'GET', `/settings/rate-limits/${ch}`)).json();
    expect(await get('whatsapp')).toEqual({ channel: 'WHATSAPP', perSecond: t.config.execution.rateLimits.WHATSAPP, source: 'default' });
    const put = await t.call(tenant, 'PUT', '/settings/rate-limits/MAIL', { perSecond: 2 });
    expect(put.json()).toEqual({ channel: 'MAIL', perSecond: 2, source: 'tenant' });
    expect(await get('mail')).toEqual({ channel: 'MAIL', perSecond: 2, source: 'tenant' });
    expect((await t.call(newTenant(), 'GET', '/settings/rate-limits/mail')).json().source).toBe('default');
    expect((await t.call(tenant, 'PUT', '/settings/rate-limits/FAX', { perSecond: 2 })).statusCode).toBe(400);
    expect((await t.call(tenant, 'PUT', '/settings/rate-limits/mail', { perSecond: -1 })).statusCode).toBe(400);
    // An override can be removed again: the configured default is in force once more.
    await t.call(tenant, 'PUT', '/settings/rate-limits/CALL', { perSecond: 7 });
    const reset = await t.call(tenant, 'DELETE', '/settings/rate-limits/call');
    expect(reset.json()).toEqual({ channel: 'CALL', perSecond: t.config.execution.rateLimits.CALL, source: 'default' });
    expect(await get('call')).toEqual({ channel: 'CALL', perSecond: t.config.execution.rateLimits.CALL, source: 'default' });

    // 2 per second, a bucket of 2: a firing whose budget is 1 s can send at most 2 + 2*1 (+1 for
    // rounding at the edge), however fast the machine.
    await seedContacts(t.db.pool, tenant, 20);
    const id = await readyCampaign(t, tenant, { channels: ['mail'], interval: 0, batchSize: 20 });
    await setStatus(t, tenant, id, 'RUNNING');
    const r = await runBatch(tenant, id);
    expect(r.handled).toBeGreaterThanOrEqual(2);
    expect(r.handled).toBeLessThanOrEqual(5);
    expect(await sinkCounts(t.db.pool, tenant, id)).toEqual({ records: r.handled, distinct: r.handled });
  });
});

describe('GET /metrics', () => {
  /** The samples of the Prometheus text, keyed `name` or `name{channel="X"}`. */
  const scrape = async () => {
    const res = await t.app.http.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    return Object.fromEntries(
      res.body.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => [l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1))]),
    );
  };

  it('counts batches and contacts sent and failed per channel, shared through the database, and shows the queue lag', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 5);
    script = async (m) => (['ext-1', 'ext-2'].includes(m.contact.externalId ?? '') ? permanentFailure('no such mailbox') : accepted('ok'));
    const id = await readyCampaign(t, tenant, { channels: ['email', 'call'], interval: 1 });
    await setStatus(t, tenant, id, 'RUNNING');
    const before = await scrape();
    expect((await runBatch(tenant, id)).handled).toBe(10);
    const after = await scrape();
    const delta = (k: string) => (after[k] ?? 0) - (before[k] ?? 0);
    expect({
      batches: delta('campaign_engine_batches_total'),
      sentEmail: delta('campaign_engine_dispatches_sent_total{channel="EMAIL"}'),
      failedEmail: delta('campaign_engine_dispatches_failed_total{channel="EMAIL"}'),
      sentCall: delta('campaign_engine_dispatches_sent_total{channel="CALL"}'),
      failedCall: delta('campaign_engine_dispatches_failed_total{channel="CALL"}'),
    }).toEqual({ batches: 1, sentEmail: 3, failedEmail: 2, sentCall: 5, failedCall: 0 });

    // Queue lag: how late the oldest due job is (nobody runs jobs in this app).
    await t.db.pool.query(`SELECT graphile_worker.add_job('metrics-probe', '{}', run_at := now() - interval '90 seconds', job_key := 'metrics-probe')`);
    try {
      const lag = (await scrape())['campaign_engine_queue_lag_seconds'];
      expect(lag).toBeGreaterThanOrEqual(90);
      expect((await scrape())['campaign_engine_jobs_due']).toBeGreaterThanOrEqual(1);
    } finally {
      await t.db.pool.query(`SELECT graphile_worker.remove_job('metrics-probe')`);
    }
  });
});

import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { withTenant } from '../../src/db/pool.js';
import { buildTestApp, newTenant, TEST_SECRET, type TestApp } from '../helpers/app.js';
import { startService, waitFor, type ServiceProcess } from '../helpers/process.js';
import { ledgerStatuses, progress, readyCampaign, seedContacts, setStatus } from './helpers.js';

// Several worker processes (`node --import tsx src/main.ts`, ROLE=worker) on one database, the
// API in this process: exactly-once across instances, a SIGKILL in the middle, pause and resume.

let t: TestApp;
let dataDir: string;
const workers: ServiceProcess[] = [];
beforeAll(async () => {
  t = await buildTestApp();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'engine-workers-'));
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop('SIGTERM')));
});
afterAll(async () => t.close());

function startWorker(env: Record<string, string> = {}): ChildProcess {
  const worker = startService({
    ROLE: 'worker',
    DATABASE_URL: t.db.url,
    AUTH_JWT_SECRET: TEST_SECRET,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    PRINT_DEV_TOKEN: 'false',
    CAMPAIGN_EXECUTION_INTERVAL: '0.2',
    CAMPAIGN_EXECUTION_BATCH_SIZE: '200',
    CAMPAIGN_SENDING_LEASE: '5',
    WORKER_POLL_INTERVAL: '100',
    WORKER_CONCURRENCY: '2',
    RATE_LIMIT_CALL: '0',
    RATE_LIMIT_EMAIL: '0',
    RATE_LIMIT_WHATSAPP: '0',
    RATE_LIMIT_MAIL: '0',
    ...env,
  });
  void worker.exited.then(({ code, signal }) => {
    if (code !== 0 && signal !== 'SIGKILL' && signal !== 'SIGTERM') process.stderr.write(`worker exited ${code}: ${worker.stderr()}\n`);
  });
  workers.push(worker);
  return worker.child;
}

/** Sink records of a campaign per channel: how many, and how many distinct dispatches. */
async function sinkByChannel(tenant: string, id: string) {
  return withTenant(t.db.pool, tenant, async (tx) => {
    const { rows } = await tx.query<{ channel: string; records: number; dispatches: number }>(
      `SELECT channel, count(*)::int AS records, count(DISTINCT dispatch_id)::int AS dispatches
       FROM sink_outbox WHERE campaign_id = $1 GROUP BY channel ORDER BY channel`,
      [id],
    );
    return Object.fromEntries(rows.map((r) => [r.channel, { records: r.records, dispatches: r.dispatches }]));
  });
}

const sinkTotal = async (tenant: string, id: string) =>
  Object.values(await sinkByChannel(tenant, id)).reduce((n, c) => n + c.records, 0);

describe('several worker processes', () => {
  it('a 1,000-contact campaign on four channels completes with each contact reached exactly once per channel, by three workers', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 1000);
    const id = await readyCampaign(t, tenant, { channels: ['call', 'email', 'whatsapp', 'mail'] });
    startWorker({ CAMPAIGN_EXECUTION_BATCH_SIZE: '500' });
    startWorker({ CAMPAIGN_EXECUTION_BATCH_SIZE: '500' });
    startWorker({ CAMPAIGN_EXECUTION_BATCH_SIZE: '500' });
    await setStatus(t, tenant, id, 'RUNNING');
    const p = await waitFor('completion', () => progress(t, tenant, id), (x) => x.campaignStatus === 'COMPLETED');
    expect(p.overall).toMatchObject({ total: 4000, sent: 4000, failed: 0, uncertain: 0, skipped: 0, pending: 0, sending: 0 });
    // The outbox sinks (call, email, whatsapp) hold exactly one record per contact; MAIL's
    // adapter makes letters ready for print (SENT in the ledger) and records no outbox row.
    const expected = { records: 1000, dispatches: 1000 };
    expect(await sinkByChannel(tenant, id)).toEqual({ CALL: expected, EMAIL: expected, WHATSAPP: expected });
  }, 90_000);

  it('a worker killed with SIGKILL mid-run: nothing goes out twice, and the operator settles what it left UNCERTAIN', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 600);
    const id = await readyCampaign(t, tenant, { channels: ['call'] });
    // 200 calls a second: the run lasts long enough to be killed in the middle.
    const victim = startWorker({ RATE_LIMIT_CALL: '200' });
    await setStatus(t, tenant, id, 'RUNNING');
    await waitFor('the first sends', () => sinkTotal(tenant, id), (n) => n >= 100);
    victim.kill('SIGKILL');
    await new Promise((r) => victim.once('exit', r));
    const atKill = await sinkTotal(tenant, id);
    expect(atKill).toBeLessThan(600);

    startWorker({ RATE_LIMIT_CALL: '200' });
    startWorker({ RATE_LIMIT_CALL: '200' });
    // Everything else is sent; the rows the dead worker held become UNCERTAIN after their
    // lease (5 s), and the campaign waits for the operator instead of completing.
    const p = await waitFor('nothing left to send', () => progress(t, tenant, id), (x) => x.overall.pending === 0 && x.overall.sending === 0);
    const statuses = await ledgerStatuses(t.db.pool, tenant, id);
    const uncertain = statuses.UNCERTAIN ?? 0;
    expect((statuses.SENT ?? 0) + uncertain).toBe(600);
    expect(p.overall.failed).toBe(0);
    expect(uncertain).toBeLessThanOrEqual(75); // at most what was claimed at the kill
    expect(p.campaignStatus).toBe(uncertain > 0 ? 'RUNNING' : 'COMPLETED');
    // None twice: one sink record per dispatch at most, and every SENT row has its record.
    let sink = (await sinkByChannel(tenant, id)).CALL;
    expect(sink.records).toBe(sink.dispatches);
    const recorded = (status: string) =>
      withTenant(t.db.pool, tenant, async (tx) =>
        (await tx.query<{ id: string; sent: boolean }>(
          `SELECT d.id, EXISTS (SELECT 1 FROM sink_outbox s WHERE s.dispatch_id = d.id) AS sent
           FROM dispatches d WHERE d.campaign_id = $1 AND d.status = $2`,
          [id, status],
        )).rows,
      );
    expect((await recorded('SENT')).filter((r) => !r.sent)).toHaveLength(0);

    // The operator reads the provider's records (the outbox here): what went out is resolved
    // as SENT, the rest is resent.
    const held = await recorded('UNCERTAIN');
    const delivered = held.filter((r) => r.sent).map((r) => r.id);
    if (delivered.length > 0) {
      const res = await t.call(tenant, 'POST', `/campaigns/${id}/dispatches/resolve`, { outcome: 'SENT', ids: delivered });
      expect(res.json()).toEqual({ resolved: delivered.length, campaignStatus: 'RUNNING' });
    }
    if (delivered.length < held.length) {
      const res = await t.call(tenant, 'POST', `/campaigns/${id}/dispatches/retry`, { status: ['UNCERTAIN'] });
      expect(res.json()).toEqual({ requeued: held.length - delivered.length, campaignStatus: 'RUNNING' });
    }
    const done = await waitFor('completion', () => progress(t, tenant, id), (x) => x.campaignStatus === 'COMPLETED');
    expect(done.overall).toMatchObject({ total: 600, sent: 600, uncertain: 0, pending: 0 });
    sink = (await sinkByChannel(tenant, id)).CALL;
    expect(sink).toEqual({ records: 600, dispatches: 600 }); // every contact called exactly once
  }, 90_000);

  it('with the default 5-minute lease, a worker killed mid-firing is replaced within about 15 s, not after the lease', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 400);
    const id = await readyCampaign(t, tenant, { channels: ['call'] });
    // 20 calls a second and batches of 200: a firing lasts ~10 s, so the kill lands inside one.
    const slow = { CAMPAIGN_SENDING_LEASE: '300', RATE_LIMIT_CALL: '20' };
    const first = startWorker(slow);
    await setStatus(t, tenant, id, 'RUNNING');
    await waitFor('the first calls', () => sinkTotal(tenant, id), (n) => n >= 40);
    first.kill('SIGKILL');
    const atKill = await sinkTotal(tenant, id);
    startWorker(slow);
    const t0 = Date.now();
    // The new worker picks the campaign up once the dead one's stand-in firing comes due.
    await waitFor('sending again', () => sinkTotal(tenant, id), (n) => n >= atKill + 40, 60_000);
    expect(Date.now() - t0).toBeLessThan(35_000); // 15 s ahead, plus start-up and 40 calls at 20/s
    const sink = (await sinkByChannel(tenant, id)).CALL;
    expect(sink.records).toBe(sink.dispatches); // nothing sent twice
  }, 90_000);

  it('pause in the middle: nothing is sent while PAUSED over several intervals; resume finishes the rest', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 400);
    const id = await readyCampaign(t, tenant, { channels: ['whatsapp'] });
    startWorker({ RATE_LIMIT_WHATSAPP: '150' });
    startWorker({ RATE_LIMIT_WHATSAPP: '150' });
    await setStatus(t, tenant, id, 'RUNNING');
    await waitFor('the first sends', () => sinkTotal(tenant, id), (n) => n >= 60);
    await setStatus(t, tenant, id, 'PAUSED');
    const atPause = await sinkTotal(tenant, id);
    expect(atPause).toBeLessThan(400);
    // Several batch intervals (0.2 s) pass: not one more record, nothing left SENDING.
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 300));
      expect(await sinkTotal(tenant, id)).toBe(atPause);
    }
    const paused = await progress(t, tenant, id);
    expect(paused.overall).toMatchObject({ sent: atPause, sending: 0, pending: 400 - atPause });
    await setStatus(t, tenant, id, 'RUNNING');
    const p = await waitFor('completion', () => progress(t, tenant, id), (x) => x.campaignStatus === 'COMPLETED');
    expect(p.overall).toMatchObject({ total: 400, sent: 400 });
    expect(await sinkByChannel(tenant, id)).toEqual({ WHATSAPP: { records: 400, dispatches: 400 } });
  }, 90_000);
});

describe('an outage', () => {
  it('after a stop of many intervals, batches stay at least one interval apart (no burst of missed firings)', async () => {
    const tenant = newTenant();
    await seedContacts(t.db.pool, tenant, 300);
    // Five contacts per firing, a firing every 0.5 s: the stop below misses twelve of them, as a
    // two-minute stop does with the default 10-second interval.
    const id = await readyCampaign(t, tenant, { channels: ['email'], batchSize: 5, interval: 0.5 });
    const first = startWorker();
    await setStatus(t, tenant, id, 'RUNNING');
    await waitFor('the first firings', () => sinkTotal(tenant, id), (n) => n >= 10);
    first.kill('SIGTERM');
    await new Promise((r) => first.once('exit', r));
    const atStop = await sinkTotal(tenant, id);
    await new Promise((r) => setTimeout(r, 6000));
    expect(await sinkTotal(tenant, id)).toBe(atStop);

    const restartedAt = new Date();
    startWorker();
    await waitFor('five firings after the restart', () => sinkTotal(tenant, id), (n) => n >= atStop + 25, 30_000);
    const times = await withTenant(t.db.pool, tenant, async (tx) =>
      (await tx.query<{ ms: number }>(
        `SELECT (extract(epoch FROM created_at) * 1000)::float8 AS ms FROM sink_outbox
         WHERE campaign_id = $1 AND created_at >= $2 ORDER BY created_at`,
        [id, restartedAt],
      )).rows.map((r) => r.ms),
    );
    expect(times.length).toBeGreaterThanOrEqual(25);
    // In any span shorter than one interval at most one batch went out: a replay of the missed
    // firings would put dozens of sends into the first moments after the restart.
    const busiest = Math.max(...times.map((from) => times.filter((x) => x >= from && x < from + 400).length));
    expect(busiest).toBeLessThanOrEqual(5);
  }, 60_000);
});

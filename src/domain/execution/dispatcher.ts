import { withTenant, type Pool } from '../../db/pool.js';
import type { Clock } from '../../lib/clock.js';
import type { Channel, ChannelRegistry } from '../../channels/channel.js';
import { isTransientError } from '../../channels/errors.js';
import { getCampaignRun, type CampaignRunRow } from '../../db/queries/campaign-runs.js';
import { claimDue, openWork, sweepExpiredLeases, type ClaimedRow } from '../../db/queries/dispatches.js';
import { addJob } from '../../db/queries/jobs.js';
import { refundAccountTokens, refundTokens, reserveAccountTokens, reserveTokens } from '../../db/queries/rate-limits.js';
import { bumpStats, type StatIncrement } from '../../db/queries/engine-stats.js';
import { jobKey, TASKS } from '../../jobs/keys.js';
import { channelsOf } from '../../jobs/planner.js';
import { windowAt } from '../schedule/windows.js';
import type { CampaignService } from '../campaigns/service.js';
import { makeHandOver } from './hand-over.js';
import { nextBatchAt, scheduleOf, uncertainHoldEnds } from './plan.js';
import { keepStandIn, STAND_IN_AHEAD_MS } from './stand-in.js';

// One firing of a campaign's batch job. Per chunk of one channel:
//   1. claim (own transaction, committed): reserve rate-limit tokens, PENDING -> SENDING with a
//      lease, FOR UPDATE SKIP LOCKED, only while the campaign is RUNNING;
//   2. hand over (hand-over.ts; the gate transaction, db/queries/gate.ts): share-lock the campaign row and
//      read its status; hand the contacts to the adapter one by one, re-checking between two
//      contacts that no status change waits for the row (or the chunk at once for bulk
//      adapters); record the outcomes; commit. A pause's UPDATE waits for at most the contact
//      being handed over; every gate after it reads PAUSED and hands its claimed rows back
//      untouched. A crash after step 1 leaves SENDING rows that become UNCERTAIN when their
//      lease runs out: never sent twice.
// After the loop: complete the campaign when nothing is left, else plan the next firing.

export interface ExecutionSettings {
  batchSize: number;
  intervalSeconds: number;
  maxAttempts: number;
  sendingLeaseSeconds: number;
  /** A campaign whose only open rows are UNCERTAIN waits this long for the operator's decision. */
  uncertainHoldSeconds: number;
  rateLimits: Readonly<Record<Channel, number>>;
}

export interface DispatcherDeps {
  pool: Pool;
  clock: Clock;
  adapters: ChannelRegistry;
  settings: ExecutionSettings;
  campaigns: Pick<CampaignService, 'systemTransition'>;
  isStopping: () => boolean;
}

export interface BatchReport {
  /** awaiting_decision: only UNCERTAIN rows are left, and the operator has until nextAt to decide. */
  result: 'not_running' | 'dispatched' | 'awaiting_decision' | 'completed';
  handled: number;
  nextAt: Date | null;
}

const SINGLE_CHUNK = 25;
const BULK_CHUNK = 1000;
/** Claim-and-hand-over loops per firing. */
const LANES = 3;
/** Waiting for rate-limit tokens inside one firing is bounded by the interval, within these limits. */
const MIN_FIRING_BUDGET_MS = 1000;
const MAX_FIRING_BUDGET_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function makeDispatcher(deps: DispatcherDeps) {
  const { pool, clock, adapters, settings, isStopping } = deps;
  const handOver = makeHandOver({ pool, clock, maxAttempts: settings.maxAttempts, isStopping });

  /**
   * Step 1. Returns the claimed rows, or how long to wait for a rate-limit token. Tokens come from
   * the tenant's bucket and, when the adapter sends through a provider account shared between
   * tenants, from that account's bucket too (at the channel's configured rate): the configured
   * rate is the rate of each provider account, however many tenants share it.
   */
  async function claim(tenantId: string, campaignId: string, channel: Channel, want: number, account: string | null) {
    return withTenant(pool, tenantId, async (tx) => {
      const tokens = await reserveTokens(tx, tenantId, channel, want, settings.rateLimits[channel]);
      if (tokens.granted <= 0) {
        const waitMs = Math.ceil(((1 - tokens.available) / tokens.rate) * 1000);
        return { rows: [] as ClaimedRow[], waitMs: Math.max(10, waitMs) };
      }
      let granted = tokens.granted;
      const accountRate = account ? settings.rateLimits[channel] : 0;
      if (account && accountRate > 0) {
        const got = await reserveAccountTokens(tx, account, granted, accountRate);
        await refundTokens(tx, tenantId, channel, granted - got, tokens.rate);
        if (got <= 0) return { rows: [] as ClaimedRow[], waitMs: Math.max(10, Math.ceil(1000 / accountRate)) };
        granted = got;
      }
      const rows = await claimDue(tx, tenantId, campaignId, channel, granted, clock.now(), settings.sendingLeaseSeconds);
      await refundTokens(tx, tenantId, channel, granted - rows.length, tokens.rate);
      if (account) await refundAccountTokens(tx, account, granted - rows.length, accountRate);
      return { rows, waitMs: undefined };
    });
  }

  async function prepareAll(run: CampaignRunRow, tenantId: string, channels: Channel[]) {
    const prepared = new Map<Channel, unknown>();
    for (const ch of channels) {
      const adapter = adapters[ch];
      try {
        prepared.set(ch, adapter.prepare ? await adapter.prepare({ tenantId, campaignId: run.id }) : undefined);
      } catch (e) {
        if (!isTransientError(e)) throw e;
        // This channel sits this firing out; the others go on.
      }
    }
    return prepared;
  }

  /**
   * Sends up to batchSize contacts of this firing. Several lanes claim and hand over side by
   * side (one lane's database round trips overlap another's), sharing the firing's budget; a
   * lane that finds the gate closed (paused, completed) halts them all.
   */
  async function sendLoop(tenantId: string, run: CampaignRunRow, batchSize: number, intervalSeconds: number, closesAt: number, stats: Map<string, number>) {
    const channels = channelsOf(run);
    const prepared = await prepareAll(run, tenantId, channels);
    const accounts = new Map<Channel, string | null>(
      [...prepared].map(([ch, p]) => [ch, adapters[ch].sharedAccount?.(p) ?? null]),
    );
    const exhausted = new Set<Channel>(channels.filter((c) => !prepared.has(c)));
    const deadline = performance.now() + Math.min(MAX_FIRING_BUDGET_MS, Math.max(MIN_FIRING_BUDGET_MS, intervalSeconds * 1000));
    const state = { remaining: batchSize, handled: 0, halt: false };
    const bump = (metric: string, channel: string, by = 1) => stats.set(`${metric}|${channel}`, (stats.get(`${metric}|${channel}`) ?? 0) + by);
    const go = () => !state.halt && state.remaining > 0 && !isStopping() && clock.now().getTime() < closesAt;

    async function lane() {
      while (go()) {
        let progressed = false;
        let waitMs = Infinity;
        for (const ch of channels) {
          if (exhausted.has(ch) || !go()) continue;
          const adapter = adapters[ch];
          const want = Math.min(state.remaining, adapter.sendMany ? BULK_CHUNK : SINGLE_CHUNK);
          state.remaining -= want;
          let rows: ClaimedRow[] = [];
          try {
            const claimed = await claim(tenantId, run.id, ch, want, accounts.get(ch) ?? null);
            rows = claimed.rows;
            if (rows.length === 0) {
              if (claimed.waitMs !== undefined) waitMs = Math.min(waitMs, claimed.waitMs);
              else exhausted.add(ch);
              continue;
            }
          } finally {
            state.remaining += want - rows.length;
          }
          const r = await handOver(tenantId, run.id, adapter, prepared.get(ch), rows);
          state.remaining += rows.length - r.handed; // handed back rows return to the budget
          state.handled += r.handed;
          progressed = true;
          for (const o of r.outcomes) {
            if (o.status === 'SENT') bump('sent', ch);
            else if (o.status === 'FAILED') bump('failed', ch);
            else if (o.status === 'UNCERTAIN') bump('uncertain', ch);
            else if (o.status === 'PENDING' && o.attempted) bump('retried', ch);
          }
          if (r.gateClosed) state.halt = true;
        }
        if (!progressed) {
          if (waitMs === Infinity || performance.now() + waitMs > deadline) return;
          await sleep(waitMs);
        }
      }
    }

    const results = await Promise.allSettled(Array.from({ length: LANES }, lane));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return state.handled;
  }

  /** Plans the next firing, unless the campaign left RUNNING meanwhile (checked under a share lock). */
  async function planNext(tenantId: string, campaignId: string, at: Date) {
    await withTenant(pool, tenantId, async (tx) => {
      const status = await getCampaignRun(tx, tenantId, campaignId, 'share');
      if (status?.campaign_status !== 'RUNNING') return;
      await addJob(tx, TASKS.batch, { tenantId, campaignId }, at, jobKey(TASKS.batch, tenantId, campaignId));
    });
  }

  async function runBatch(tenantId: string, campaignId: string): Promise<BatchReport> {
    const startedAt = clock.now();
    const run = await withTenant(pool, tenantId, async (tx) => {
      const r = await getCampaignRun(tx, tenantId, campaignId);
      if (r?.campaign_status === 'RUNNING') await sweepExpiredLeases(tx, tenantId, campaignId, startedAt);
      return r;
    });
    if (!run || run.campaign_status !== 'RUNNING') return { result: 'not_running', handled: 0, nextAt: null };

    const schedule = run.schedule ? scheduleOf(run.schedule) : null;
    const batchSize = run.execution_batch_size ?? settings.batchSize;
    const intervalSeconds = run.execution_interval_seconds != null ? Number(run.execution_interval_seconds) : settings.intervalSeconds;
    // Should this instance die mid-firing, the stand-in carries the campaign on (stand-in.ts).
    const aheadMs = Math.max(STAND_IN_AHEAD_MS, intervalSeconds * 1000);
    const standIn = await keepStandIn((at) => planNext(tenantId, campaignId, at), () => clock.now(), aheadMs);
    const window = schedule ? windowAt(schedule, startedAt) : null;
    const stats = new Map<string, number>([['batches|', 1]]);
    let handled = 0;
    try {
      // Dispatch happens only inside a window; outside it this firing just plans the next opening.
      if (!schedule || window) {
        handled = await sendLoop(tenantId, run, batchSize, intervalSeconds, window ? window.closesAt.getTime() : Infinity, stats);
      }
    } finally {
      await standIn.stop();
    }
    await bumpStats(pool, [...stats].map(([k, by]): StatIncrement => {
      const [metric, channel] = k.split('|');
      return { metric, channel, by };
    })).catch(() => {});

    const now = clock.now();
    const work = await withTenant(pool, tenantId, (tx) => openWork(tx, tenantId, campaignId, now));
    if (work.pending === 0 && work.sending === 0) {
      // Only UNCERTAIN rows left (or none): the operator may still want them resent, which a
      // COMPLETED campaign can no longer do, so it waits for a retry or a resolve, up to the hold.
      const holdEnds = uncertainHoldEnds(work, settings.uncertainHoldSeconds);
      if (holdEnds && holdEnds.getTime() > now.getTime()) {
        await planNext(tenantId, campaignId, holdEnds);
        return { result: 'awaiting_decision', handled, nextAt: holdEnds };
      }
      const done = await deps.campaigns.systemTransition(tenantId, campaignId, 'COMPLETED', ['RUNNING'], async (tx) => {
        const again = await openWork(tx, tenantId, campaignId, now);
        const held = uncertainHoldEnds(again, settings.uncertainHoldSeconds);
        return again.pending === 0 && again.sending === 0 && !(held && held.getTime() > now.getTime());
      });
      if (done) return { result: 'completed', handled, nextAt: null };
    }
    const nextAt = nextBatchAt({ now, intervalSeconds, schedule, dueNow: work.due > 0, nextEventAt: work.nextEventAt });
    // Planned even by a stopping instance: another one picks the campaign up.
    if (nextAt) await planNext(tenantId, campaignId, nextAt);
    return { result: 'dispatched', handled, nextAt };
  }

  return { runBatch };
}

export type Dispatcher = ReturnType<typeof makeDispatcher>;

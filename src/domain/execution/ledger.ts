import { withTenant, type Pool } from '../../db/pool.js';
import type { Clock } from '../../lib/clock.js';
import { AppError, notFound } from '../../lib/errors.js';
import type { Channel } from '../../channels/channel.js';
import { getCampaignRun, getStatus } from '../../db/queries/campaign-runs.js';
import {
  DISPATCH_STATUSES,
  listDispatches,
  requeue,
  resolveUncertain,
  type DispatchRow,
  type DispatchStatus,
} from '../../db/queries/dispatches.js';
import { progressCounts } from '../../db/queries/dispatch-counts.js';
import { addJob } from '../../db/queries/jobs.js';
import { deleteOverride, getOverride, setOverride } from '../../db/queries/rate-limits.js';
import { jobKey, TASKS } from '../../jobs/keys.js';
import { channelsOf } from '../../jobs/planner.js';

// Reading and steering the delivery ledger: progress, pages of dispatches, the operator's
// retry, and the per-tenant rate-limit overrides.

export type Counts = { total: number } & Record<Lowercase<DispatchStatus>, number>;

const emptyCounts = (): Counts => ({ total: 0, pending: 0, sending: 0, sent: 0, failed: 0, skipped: 0, uncertain: 0 });

export interface Dispatch {
  id: string;
  campaignId: string;
  contactId: string;
  channel: Channel;
  status: DispatchStatus;
  trackingId: string;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  skipReason: string | null;
  providerMessageId: string | null;
  sentAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const toDispatch = (r: DispatchRow): Dispatch => ({
  id: r.id,
  campaignId: r.campaign_id,
  contactId: r.contact_id,
  channel: r.channel,
  status: r.status,
  trackingId: r.tracking_id,
  attempts: r.attempts,
  nextAttemptAt: r.status === 'PENDING' && r.next_attempt_at instanceof Date ? r.next_attempt_at.toISOString() : null,
  lastError: r.last_error,
  skipReason: r.skip_reason,
  providerMessageId: r.provider_message_id,
  sentAt: r.sent_at?.toISOString() ?? null,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export const RETRYABLE: readonly DispatchStatus[] = ['UNCERTAIN', 'FAILED'];

export function makeLedger(deps: { pool: Pool; clock: Clock; rateDefaults: Readonly<Record<Channel, number>> }) {
  const { pool, clock } = deps;

  /** Plans the campaign's batch job at once (same key: it replaces the planned one). */
  const fireNow = (tx: Parameters<typeof addJob>[0], tenantId: string, campaignId: string) =>
    addJob(tx, TASKS.batch, { tenantId, campaignId }, clock.now(), jobKey(TASKS.batch, tenantId, campaignId));

  async function mustExist(tx: Parameters<typeof getStatus>[0], tenantId: string, id: string) {
    const status = await getStatus(tx, tenantId, id);
    if (!status) throw notFound('campaign');
    return status;
  }

  return {
    async progress(tenantId: string, campaignId: string) {
      return withTenant(pool, tenantId, async (tx) => {
        const run = await getCampaignRun(tx, tenantId, campaignId);
        if (!run) throw notFound('campaign');
        const rows = await progressCounts(tx, tenantId, campaignId);
        const channels: Partial<Record<Channel, Counts>> = {};
        for (const ch of channelsOf(run)) channels[ch] = emptyCounts();
        const overall = emptyCounts();
        for (const r of rows) {
          const c = (channels[r.channel] ??= emptyCounts());
          const k = r.status.toLowerCase() as Lowercase<DispatchStatus>;
          c[k] += r.n;
          c.total += r.n;
          overall[k] += r.n;
          overall.total += r.n;
        }
        const done = overall.sent + overall.failed + overall.skipped + overall.uncertain;
        return { campaignStatus: run.campaign_status, overall, channels, done, percent: overall.total ? Math.floor((done * 1000) / overall.total) / 10 : 0 };
      });
    },

    async list(
      tenantId: string,
      campaignId: string,
      opts: { channel?: Channel[]; status?: DispatchStatus[]; after?: { contactId: string; channel: string }; limit: number },
    ) {
      return withTenant(pool, tenantId, async (tx) => {
        await mustExist(tx, tenantId, campaignId);
        const rows = await listDispatches(tx, tenantId, campaignId, { ...opts, limit: opts.limit + 1 });
        const page = rows.slice(0, opts.limit);
        const last = page.at(-1);
        return { items: page.map(toDispatch), next: rows.length > opts.limit && last ? { contactId: last.contact_id, channel: last.channel } : null };
      });
    },

    /** Puts UNCERTAIN / FAILED rows back to PENDING (only on the operator's word) and replans a RUNNING campaign. */
    async retry(tenantId: string, campaignId: string, statuses: DispatchStatus[], channel: Channel | null) {
      return withTenant(pool, tenantId, async (tx) => {
        // A share lock: the retry and a completion (which locks the row to check "nothing left")
        // cannot interleave.
        const run = await getCampaignRun(tx, tenantId, campaignId, 'share');
        if (!run) throw notFound('campaign');
        if (run.campaign_status !== 'RUNNING' && run.campaign_status !== 'PAUSED') {
          throw new AppError('conflict', `dispatches of a ${run.campaign_status} campaign cannot be retried`, {
            details: { campaignStatus: run.campaign_status, retryableIn: ['RUNNING', 'PAUSED'] },
          });
        }
        const requeued = await requeue(tx, tenantId, campaignId, statuses, channel);
        if (requeued > 0 && run.campaign_status === 'RUNNING') {
          await fireNow(tx, tenantId, campaignId);
        }
        return { requeued, campaignStatus: run.campaign_status };
      });
    },

    /**
     * Settles UNCERTAIN rows on the operator's word (SENT or FAILED) without sending anything; a
     * RUNNING campaign is re-checked at once, so it completes when nothing else is left.
     */
    async resolve(tenantId: string, campaignId: string, outcome: 'SENT' | 'FAILED', filter: { channel: Channel | null; ids: string[] | null }) {
      return withTenant(pool, tenantId, async (tx) => {
        const run = await getCampaignRun(tx, tenantId, campaignId, 'share');
        if (!run) throw notFound('campaign');
        const resolved = await resolveUncertain(tx, tenantId, campaignId, outcome, filter, clock.now());
        if (resolved > 0 && run.campaign_status === 'RUNNING') {
          await fireNow(tx, tenantId, campaignId);
        }
        return { resolved, campaignStatus: run.campaign_status };
      });
    },

    async getRateLimit(tenantId: string, channel: Channel) {
      const override = await withTenant(pool, tenantId, (tx) => getOverride(tx, tenantId, channel));
      return { channel, perSecond: override ?? deps.rateDefaults[channel], source: override === null ? 'default' : 'tenant' } as const;
    },

    async setRateLimit(tenantId: string, channel: Channel, perSecond: number) {
      await withTenant(pool, tenantId, (tx) => setOverride(tx, tenantId, channel, perSecond));
      return { channel, perSecond, source: 'tenant' } as const;
    },

    /** Drops the tenant's override: the configured default is in force again. */
    async resetRateLimit(tenantId: string, channel: Channel) {
      await withTenant(pool, tenantId, (tx) => deleteOverride(tx, tenantId, channel));
      return { channel, perSecond: deps.rateDefaults[channel], source: 'default' } as const;
    },
  };
}

export type Ledger = ReturnType<typeof makeLedger>;
export { DISPATCH_STATUSES };

import { withTenant, type Pool } from '../../db/pool.js';
import { CHANNEL_IDS, CHANNEL_OF_FLAG, type Channel } from '../../channels/channel.js';
import { getCampaignRun } from '../../db/queries/campaign-runs.js';
import { progressCounts } from '../../db/queries/dispatch-counts.js';
import { responseCounts } from '../../db/queries/responses.js';
import { notFound } from '../../lib/errors.js';

// Campaign metrics without counting responses per request: response figures come from the
// counters kept by a trigger on campaign_responses (migration 008); ledger figures from the
// counters kept by triggers on the ledger (migration 012).
//
//   sent      MAIL: letters the operator marked SEND; other channels: ledger SENT
//   responded distinct dispatches with a RESPONDED response (a repeat scan does not count)
//   responseRate  responded / sent in percent, two decimals; 0 when nothing was sent

export interface ChannelMetrics {
  targeted: number;
  sent: number;
  failed: number;
  skipped: number;
  pending: number;
  uncertain: number;
  responded: number;
  responseRate: number;
  /** MAIL only: ledger rows handed to print (in the print batch). */
  readyForPrint?: number;
}

/** Percent with two decimals, computed on integers so 2/3 is 66.67 on every platform. */
export function responseRate(responded: number, sent: number): number {
  if (sent <= 0) return 0;
  return Math.round((responded * 10_000) / sent) / 100;
}

const empty = (): ChannelMetrics => ({ targeted: 0, sent: 0, failed: 0, skipped: 0, pending: 0, uncertain: 0, responded: 0, responseRate: 0 });

export function makeMetrics(deps: { pool: Pool }) {
  const { pool } = deps;

  async function mail(tenantId: string, campaignId: string) {
    return withTenant(pool, tenantId, async (tx) => {
      const run = await getCampaignRun(tx, tenantId, campaignId);
      if (!run) throw notFound('campaign');
      const counts = await responseCounts(tx, tenantId, campaignId);
      const n = (status: string) => counts.find((c) => c.channel === 'MAIL' && c.status === status)?.n ?? 0;
      const sent = n('SEND');
      const responded = n('RESPONDED');
      return { sent, responded, responseRate: responseRate(responded, sent) };
    });
  }

  async function campaign(tenantId: string, campaignId: string) {
    return withTenant(pool, tenantId, async (tx) => {
      const run = await getCampaignRun(tx, tenantId, campaignId);
      if (!run) throw notFound('campaign');
      const ledger = await progressCounts(tx, tenantId, campaignId);
      const responses = await responseCounts(tx, tenantId, campaignId);
      const channels: Partial<Record<Channel, ChannelMetrics>> = {};
      for (const [flag, ch] of Object.entries(CHANNEL_OF_FLAG)) if (run[flag as keyof typeof CHANNEL_OF_FLAG]) channels[ch] = empty();
      for (const r of ledger) {
        const c = (channels[r.channel] ??= empty());
        c.targeted += r.n;
        if (r.status === 'SENT') {
          if (r.channel === 'MAIL') c.readyForPrint = (c.readyForPrint ?? 0) + r.n;
          else c.sent += r.n;
        } else if (r.status === 'FAILED') c.failed += r.n;
        else if (r.status === 'SKIPPED') c.skipped += r.n;
        else if (r.status === 'UNCERTAIN') c.uncertain += r.n;
        else c.pending += r.n; // PENDING and SENDING: not reached yet
      }
      for (const r of responses) {
        const c = (channels[r.channel] ??= empty());
        if (r.status === 'RESPONDED') c.responded += r.n;
        else if (r.channel === 'MAIL') c.sent += r.n;
      }
      if (channels.MAIL) channels.MAIL.readyForPrint ??= 0;
      const total = empty();
      for (const ch of CHANNEL_IDS) {
        const c = channels[ch];
        if (!c) continue;
        c.responseRate = responseRate(c.responded, c.sent);
        for (const k of ['targeted', 'sent', 'failed', 'skipped', 'pending', 'uncertain', 'responded'] as const) total[k] += c[k];
      }
      total.responseRate = responseRate(total.responded, total.sent);
      return { campaignId, campaignStatus: run.campaign_status, channels, total };
    });
  }

  return { mail, campaign };
}

export type Metrics = ReturnType<typeof makeMetrics>;

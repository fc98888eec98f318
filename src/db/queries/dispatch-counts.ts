import type { Queryable } from '../pool.js';
import type { Channel } from '../../channels/channel.js';
import type { DispatchStatus } from './dispatches.js';

// Ledger counts per campaign, channel and status from the delta rows that triggers on the ledger
// append (migration 012): a sum over a few dozen rows instead of a count over the ledger. Exactly
// what count(*) over the ledger answers in the same snapshot, because the deltas are written in
// the same statements as the ledger changes.

export interface ProgressRow {
  channel: Channel;
  status: DispatchStatus;
  n: number;
}

/** Past this many delta rows a campaign's counters are folded into one row per status. */
const FOLD_AT = 64;

export async function progressCounts(q: Queryable, tenantId: string, campaignId: string): Promise<ProgressRow[]> {
  const { rows } = await q.query<ProgressRow & { parts: number }>(
    `SELECT channel, status, sum(n)::int AS n, count(*)::int AS parts FROM dispatch_counts
     WHERE tenant_id = $1::text AND campaign_id = $2::uuid
     GROUP BY channel, status`,
    [tenantId, campaignId],
  );
  if (rows.reduce((s, r) => s + r.parts, 0) > FOLD_AT) await foldCounts(q, tenantId, campaignId);
  return rows.filter((r) => r.n !== 0).map(({ channel, status, n }) => ({ channel, status, n }));
}

/**
 * Replaces a campaign's delta rows by their sums. Safe next to writers and other folders: the
 * DELETE takes only rows visible to it (a concurrent folder's deleted rows are skipped, rows
 * committed meanwhile are left for the next fold), and re-inserts exactly what it deleted.
 */
export async function foldCounts(q: Queryable, tenantId: string, campaignId: string): Promise<void> {
  await q.query(
    `WITH gone AS (
       DELETE FROM dispatch_counts WHERE tenant_id = $1::text AND campaign_id = $2::uuid
       RETURNING channel, status, n
     )
     INSERT INTO dispatch_counts (tenant_id, campaign_id, channel, status, n)
     SELECT $1::text, $2::uuid, channel, status, sum(n) FROM gone
     GROUP BY channel, status HAVING sum(n) <> 0`,
    [tenantId, campaignId],
  );
}

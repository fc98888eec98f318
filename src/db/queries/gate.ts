import type { Queryable } from '../pool.js';
import type { CampaignStatus } from '../../domain/campaigns/status.js';

// The send gate of a campaign: a share lock on the campaign row, held by the transaction that
// hands contacts to a provider. A status change (pause, completion, end) updates that row, so
// it waits for the gates open at that moment; while it waits, the gates' between-contact
// check (SKIP LOCKED) sees the row claimed and hands nothing more; and a gate entered after
// the change reads the new status. So once a pause has committed, no contact is handed over.

/**
 * Enters the gate: locks the campaign row (FOR SHARE, waiting for a status change in
 * progress) and answers its status. Also turns off the wait for the WAL flush at commit, for
 * this transaction only: losing its outcomes to a database crash leaves the rows SENDING,
 * hence UNCERTAIN later, which is safe. (The claim, whose loss could cause a second send,
 * always commits synchronously.)
 */
export async function enterGate(q: Queryable, tenantId: string, campaignId: string): Promise<CampaignStatus | null> {
  const { rows } = await q.query<{ campaign_status: CampaignStatus }>(
    `SELECT campaign_status, set_config('synchronous_commit', 'off', true) AS async_commit
     FROM campaigns WHERE tenant_id = $1::text AND id = $2::uuid FOR SHARE`,
    [tenantId, campaignId],
  );
  return rows[0]?.campaign_status ?? null;
}

/** Between two contacts: false when a status change is waiting for (or holds) the campaign row. */
export async function gateStillOpen(q: Queryable, tenantId: string, campaignId: string): Promise<boolean> {
  const { rows } = await q.query(
    `SELECT 1 FROM campaigns WHERE tenant_id = $1::text AND id = $2::uuid FOR SHARE SKIP LOCKED`,
    [tenantId, campaignId],
  );
  return rows.length > 0;
}

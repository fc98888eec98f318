import type { Queryable } from '../pool.js';
import type { CampaignStatus } from '../../domain/campaigns/status.js';
import type { ScheduleRow, TargetRow } from './campaign-parts.js';

// What the execution engine reads about a campaign: status, channels, overrides, schedule
// and target in one round trip.

export interface CampaignRunRow {
  id: string;
  campaign_status: CampaignStatus;
  call: boolean;
  email: boolean;
  whatsapp: boolean;
  mail: boolean;
  execution_batch_size: number | null;
  execution_interval_seconds: string | null;
  schedule: ScheduleRow | null;
  target: TargetRow | null;
}

const SELECT = `
  SELECT k.id, k.campaign_status, k.call, k.email, k.whatsapp, k.mail, k.execution_batch_size,
         k.execution_interval_seconds,
         (SELECT to_jsonb(s) - 'tenant_id' - 'campaign_id' FROM campaign_schedules s
           WHERE s.tenant_id = k.tenant_id AND s.campaign_id = k.id) AS schedule,
         (SELECT to_jsonb(t) - 'tenant_id' - 'campaign_id' FROM campaign_targets t
           WHERE t.tenant_id = k.tenant_id AND t.campaign_id = k.id) AS target
  FROM campaigns k`;

export async function getCampaignRun(
  q: Queryable,
  tenantId: string,
  campaignId: string,
  lock: 'none' | 'share' = 'none',
): Promise<CampaignRunRow | null> {
  const { rows } = await q.query<CampaignRunRow>(
    `${SELECT} WHERE k.tenant_id = $1::text AND k.id = $2::uuid ${lock === 'share' ? 'FOR SHARE OF k' : ''}`,
    [tenantId, campaignId],
  );
  return rows[0] ?? null;
}

/** Campaigns of a tenant in the given statuses that have a schedule (start/end checks). */
export async function listScheduledRuns(q: Queryable, tenantId: string, statuses: CampaignStatus[]): Promise<CampaignRunRow[]> {
  const { rows } = await q.query<CampaignRunRow>(
    `${SELECT} WHERE k.tenant_id = $1::text AND k.campaign_status = ANY($2::text[])
       AND EXISTS (SELECT 1 FROM campaign_schedules s WHERE s.tenant_id = k.tenant_id AND s.campaign_id = k.id)
     ORDER BY k.id`,
    [tenantId, statuses],
  );
  return rows;
}

/** Plain status read (no lock): the gate reads it after taking its lock, see domain/execution/gate.ts. */
export async function getStatus(q: Queryable, tenantId: string, campaignId: string): Promise<CampaignStatus | null> {
  const { rows } = await q.query<{ campaign_status: CampaignStatus }>(
    `SELECT campaign_status FROM campaigns WHERE tenant_id = $1::text AND id = $2::uuid`,
    [tenantId, campaignId],
  );
  return rows[0]?.campaign_status ?? null;
}

/** Locks the campaign row against status changes for the rest of the transaction. */
export async function lockCampaign(q: Queryable, tenantId: string, campaignId: string): Promise<CampaignStatus | null> {
  const { rows } = await q.query<{ campaign_status: CampaignStatus }>(
    `SELECT campaign_status FROM campaigns WHERE tenant_id = $1::text AND id = $2::uuid FOR UPDATE`,
    [tenantId, campaignId],
  );
  return rows[0]?.campaign_status ?? null;
}

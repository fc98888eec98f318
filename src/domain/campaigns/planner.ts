import type pg from 'pg';
import type { CampaignRow } from '../../db/queries/campaigns.js';
import type { Schedule } from './model.js';
import type { CampaignStatus } from './status.js';

// The seam between the status machine and the execution engine. Every hook runs INSIDE the
// transaction that changed the campaign, so a status change and the job changes it implies
// commit or roll back together: no event can be lost between "status changed" and
// "scheduler told".
export interface TransitionContext {
  tenantId: string;
  campaign: CampaignRow; // after the change
  from: CampaignStatus;
  to: CampaignStatus;
  schedule: Schedule | null;
  now: Date;
}

export interface CampaignPlanner {
  onTransition(tx: pg.PoolClient, ctx: TransitionContext): Promise<void>;
  /** The schedule of a SCHEDULED campaign changed: re-plan its start and end. */
  onScheduleChanged(tx: pg.PoolClient, ctx: { tenantId: string; campaign: CampaignRow; schedule: Schedule; now: Date }): Promise<void>;
  /** The campaign is being deleted: remove every job that names it. */
  onDeleted(tx: pg.PoolClient, ctx: { tenantId: string; campaignId: string }): Promise<void>;
}

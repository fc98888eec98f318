// Job names and per-campaign job keys. Keys embed "<tenantId>:" — the database's job door
// (app_remove_job) refuses a key that does not name the transaction's tenant.

export const TASKS = {
  start: 'campaign-start',
  end: 'campaign-end',
  batch: 'campaign-batch',
} as const;
export type TaskName = (typeof TASKS)[keyof typeof TASKS];

export interface CampaignJobPayload {
  tenantId: string;
  campaignId: string;
}

export const jobKey = (task: TaskName, tenantId: string, campaignId: string) => `${task}:${tenantId}:${campaignId}`;

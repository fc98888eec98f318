import { z } from 'zod';
import type { CampaignJobPayload } from './keys.js';

// Every job carries exactly a tenant id and a campaign id. A job without a tenant (or with
// anything else) fails closed: it throws before touching any data.
const payloadSchema = z.object({ tenantId: z.string().min(1), campaignId: z.uuid() }).strict();

export function parsePayload(task: string, payload: unknown): CampaignJobPayload {
  const parsed = payloadSchema.safeParse(payload);
  if (!parsed.success) throw new Error(`${task}: refusing a job without a valid tenantId and campaignId`);
  return parsed.data;
}

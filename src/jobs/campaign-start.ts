import type { Task } from 'graphile-worker';
import type { Lifecycle } from '../domain/execution/lifecycle.js';
import { TASKS } from './keys.js';
import { parsePayload } from './payload.js';

/** One-shot, at the opening of the first window on or after startOn: SCHEDULED -> RUNNING. */
export function makeCampaignStartTask(lifecycle: Pick<Lifecycle, 'start'>): Task {
  return async (payload) => {
    const { tenantId, campaignId } = parsePayload(TASKS.start, payload);
    await lifecycle.start(tenantId, campaignId);
  };
}

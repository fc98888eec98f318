import type { Task } from 'graphile-worker';
import type { Lifecycle } from '../domain/execution/lifecycle.js';
import { TASKS } from './keys.js';
import { parsePayload } from './payload.js';

/** One-shot, at the close of the last window on or before endOn: RUNNING/PAUSED -> COMPLETED. */
export function makeCampaignEndTask(lifecycle: Pick<Lifecycle, 'end'>): Task {
  return async (payload) => {
    const { tenantId, campaignId } = parsePayload(TASKS.end, payload);
    await lifecycle.end(tenantId, campaignId);
  };
}

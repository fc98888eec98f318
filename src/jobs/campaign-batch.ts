import type { Task } from 'graphile-worker';
import type { Dispatcher } from '../domain/execution/dispatcher.js';
import { TASKS } from './keys.js';
import { parsePayload } from './payload.js';

/** Repeating while RUNNING: each firing dispatches one batch and plans the next one itself. */
export function makeCampaignBatchTask(dispatcher: Pick<Dispatcher, 'runBatch'>): Task {
  return async (payload) => {
    const { tenantId, campaignId } = parsePayload(TASKS.batch, payload);
    await dispatcher.runBatch(tenantId, campaignId);
  };
}

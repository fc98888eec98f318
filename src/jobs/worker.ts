import type { Pool } from '../db/pool.js';
import type { Dispatcher } from '../domain/execution/dispatcher.js';
import type { Lifecycle } from '../domain/execution/lifecycle.js';
import { makeCampaignBatchTask } from './campaign-batch.js';
import { makeCampaignEndTask } from './campaign-end.js';
import { makeCampaignStartTask } from './campaign-start.js';
import { ATTACHMENTS_SWEEP_CRONTAB, ATTACHMENTS_SWEEP_TASK, makeAttachmentsSweepTask } from './attachments-sweep.js';
import { TASKS } from './keys.js';
import { makeJobRunner } from './runner.js';

// The task list and the runner of a worker instance (ROLE=worker or all).

export interface TaskDeps {
  dispatcher: Dispatcher;
  lifecycle: Lifecycle;
  /** Removes attachment objects no row owns; without it the hourly sweep is not planned. */
  sweepAttachments?: () => Promise<unknown>;
}

export function makeTaskList(deps: TaskDeps) {
  return {
    [TASKS.start]: makeCampaignStartTask(deps.lifecycle),
    [TASKS.end]: makeCampaignEndTask(deps.lifecycle),
    [TASKS.batch]: makeCampaignBatchTask(deps.dispatcher),
    ...(deps.sweepAttachments ? { [ATTACHMENTS_SWEEP_TASK]: makeAttachmentsSweepTask(deps.sweepAttachments) } : {}),
  };
}

export function makeWorker(
  deps: TaskDeps & {
    pool: Pool;
    concurrency: number;
    pollIntervalMs: number;
    log?: (level: string, message: string) => void;
  },
) {
  return makeJobRunner({
    pool: deps.pool,
    concurrency: deps.concurrency,
    pollIntervalMs: deps.pollIntervalMs,
    taskList: makeTaskList(deps),
    crontab: deps.sweepAttachments ? ATTACHMENTS_SWEEP_CRONTAB : undefined,
    log: deps.log,
  });
}

import type { Pool } from '../db/pool.js';
import type { Dispatcher } from '../domain/execution/dispatcher.js';
import type { Lifecycle } from '../domain/execution/lifecycle.js';
import { makeCampaignBatchTask } from './campaign-batch.js';
import { makeCampaignEndTask } from './campaign-end.js';
import { makeCampaignStartTask } from './campaign-start.js';
import { TASKS } from './keys.js';
import { makeJobRunner } from './runner.js';

// The task list and the runner of a worker instance (ROLE=worker or all).

export function makeTaskList(deps: { dispatcher: Dispatcher; lifecycle: Lifecycle }) {
  return {
    [TASKS.start]: makeCampaignStartTask(deps.lifecycle),
    [TASKS.end]: makeCampaignEndTask(deps.lifecycle),
    [TASKS.batch]: makeCampaignBatchTask(deps.dispatcher),
  };
}

export function makeWorker(deps: {
  pool: Pool;
  concurrency: number;
  pollIntervalMs: number;
  dispatcher: Dispatcher;
  lifecycle: Lifecycle;
  log?: (level: string, message: string) => void;
}) {
  return makeJobRunner({
    pool: deps.pool,
    concurrency: deps.concurrency,
    pollIntervalMs: deps.pollIntervalMs,
    taskList: makeTaskList(deps),
    log: deps.log,
  });
}

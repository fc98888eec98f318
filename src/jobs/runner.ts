import { Logger, run, type Runner, type TaskList } from 'graphile-worker';
import type { Pool } from '../db/pool.js';

// The job runner of a worker instance: graphile-worker on our own pool. Signals are ours
// (main.ts), so the runner is told to leave them alone and is stopped by close().

export interface JobRunnerOptions {
  pool: Pool;
  concurrency: number;
  pollIntervalMs: number;
  taskList: TaskList;
  /** graphile-worker crontab lines (UTC): only for system jobs; campaign times are planned with runAt. */
  crontab?: string;
  log?: (level: string, message: string) => void;
}

export function makeJobRunner(opts: JobRunnerOptions) {
  let runner: Runner | undefined;
  const logger = new Logger(() => (level, message) => {
    if (level === 'error' || level === 'warning') opts.log?.(level, message);
  });
  return {
    async start(): Promise<void> {
      runner = await run({
        pgPool: opts.pool,
        concurrency: opts.concurrency,
        pollInterval: opts.pollIntervalMs,
        noHandleSignals: true,
        taskList: opts.taskList,
        crontab: opts.crontab,
        logger,
      });
    },
    /** Waits for the jobs in flight (the dispatcher stops between contacts once told to). */
    async stop(): Promise<void> {
      const r = runner;
      runner = undefined;
      await r?.stop();
    },
  };
}

import type { Task } from 'graphile-worker';

// The clean-up of attachment objects that no row owns (a crash between upload and commit, a
// failed delete after a replace, a deleted campaign). It is a system job: it carries no tenant,
// and the sweep checks each object as the tenant its key names, so row-level security still
// decides what is owned.

export const ATTACHMENTS_SWEEP_TASK = 'attachments-sweep';

/**
 * Hourly, at minute 41 (UTC is fine: nothing about it depends on a campaign's zone). graphile-
 * worker's cron enqueues each tick once for all instances together, and `max=1` means a sweep
 * that fails is not retried in a loop: the next tick sweeps again.
 */
export const ATTACHMENTS_SWEEP_CRONTAB = `41 * * * * ${ATTACHMENTS_SWEEP_TASK} ?max=1`;

export function makeAttachmentsSweepTask(sweep: () => Promise<unknown>): Task {
  return async () => {
    await sweep();
  };
}

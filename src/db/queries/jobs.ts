import type { Queryable } from '../pool.js';

// The job queue, as seen from a tenant transaction: only through the definer functions of
// migration 001 (app_add_job / app_remove_job), so a job change commits or rolls back with the
// status change that implies it.

export async function addJob(
  q: Queryable,
  task: string,
  payload: { tenantId: string; campaignId: string },
  runAt: Date,
  key: string,
  maxAttempts = 25,
): Promise<void> {
  await q.query(`SELECT app_add_job($1::text, $2::json, $3::timestamptz, $4::text, $5::int)`, [
    task,
    JSON.stringify(payload),
    runAt,
    key,
    maxAttempts,
  ]);
}

export async function removeJob(q: Queryable, key: string): Promise<void> {
  await q.query(`SELECT app_remove_job($1::text)`, [key]);
}

export interface PlannedJob {
  task_identifier: string;
  run_at: Date;
  key: string;
  locked_at: Date | null;
  attempts: number;
}

/** For operators and tests (reads the queue's table; needs the login role, not the tenant role). */
export async function plannedJob(q: Queryable, key: string): Promise<PlannedJob | null> {
  const { rows } = await q.query<PlannedJob>(
    `SELECT task_identifier, run_at, key, locked_at, attempts FROM graphile_worker.jobs WHERE key = $1::text`,
    [key],
  );
  return rows[0] ?? null;
}

import type { Queryable } from '../pool.js';

// Engine-wide counters behind /metrics, shared by every instance (a worker-only instance has
// no HTTP server to scrape). Bumped once per batch, outside the ledger transactions.

export interface StatIncrement {
  metric: string;
  channel: string; // '' when the metric has no channel
  by: number;
}

export async function bumpStats(q: Queryable, increments: StatIncrement[]): Promise<void> {
  const nonZero = increments.filter((i) => i.by !== 0);
  if (nonZero.length === 0) return;
  await q.query(
    `INSERT INTO engine_stats (metric, channel, value)
     SELECT metric, channel, sum(by)::bigint FROM unnest($1::text[], $2::text[], $3::bigint[]) AS i(metric, channel, by)
     GROUP BY metric, channel
     ON CONFLICT (metric, channel) DO UPDATE SET value = engine_stats.value + EXCLUDED.value`,
    [nonZero.map((i) => i.metric), nonZero.map((i) => i.channel), nonZero.map((i) => i.by)],
  );
}

export async function readStats(q: Queryable): Promise<StatIncrement[]> {
  const { rows } = await q.query<{ metric: string; channel: string; value: number }>(
    `SELECT metric, channel, value FROM engine_stats ORDER BY metric, channel`,
  );
  return rows.map((r) => ({ metric: r.metric, channel: r.channel, by: Number(r.value) }));
}

export interface QueueStats {
  due: number;
  lagSeconds: number;
  scheduled: number;
}

/** Jobs waiting in the queue: how many are due and how late the oldest due one is. */
export async function readQueueStats(q: Queryable): Promise<QueueStats> {
  const { rows } = await q.query<QueueStats>(
    `SELECT count(*) FILTER (WHERE run_at <= now() AND locked_at IS NULL)::int AS due,
            coalesce(extract(epoch FROM now() - min(run_at) FILTER (WHERE run_at <= now() AND locked_at IS NULL)), 0)::float8
              AS "lagSeconds",
            count(*) FILTER (WHERE run_at > now())::int AS scheduled
     FROM graphile_worker.jobs`,
  );
  return rows[0];
}

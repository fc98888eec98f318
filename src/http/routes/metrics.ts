import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../db/pool.js';
import { readQueueStats, readStats } from '../../db/queries/engine-stats.js';

// Prometheus text format. The counters live in the database (engine_stats), so any API
// instance reports the work of every worker instance. With METRICS_TOKEN set, a scraper must
// send `Authorization: Bearer <token>`; without it the endpoint is public (no tenant data in it).

const HELP: Record<string, [string, string]> = {
  batches: ['campaign_engine_batches_total', 'Batch job firings run'],
  sent: ['campaign_engine_dispatches_sent_total', 'Contacts handed to a provider and accepted'],
  failed: ['campaign_engine_dispatches_failed_total', 'Contacts refused for good or out of attempts'],
  uncertain: ['campaign_engine_dispatches_uncertain_total', 'Sends whose outcome is unknown'],
  retried: ['campaign_engine_dispatches_retried_total', 'Transient failures put back for a retry'],
};

function sameToken(given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(`Bearer ${expected}`);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function metricsRoutes(deps: { pool: Pool; token: string | undefined }) {
  return async function (app: FastifyInstance) {
    app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
      if (deps.token && !sameToken(req.headers.authorization, deps.token)) {
        return reply.status(401).header('www-authenticate', 'Bearer').send('unauthorized\n');
      }
      const [stats, queue] = await Promise.all([readStats(deps.pool), readQueueStats(deps.pool)]);
      const lines: string[] = [];
      for (const [metric, [name, help]] of Object.entries(HELP)) {
        lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
        const rows = stats.filter((s) => s.metric === metric);
        if (rows.length === 0) lines.push(`${name} 0`);
        for (const s of rows) lines.push(s.channel ? `${name}{channel="${s.channel}"} ${s.by}` : `${name} ${s.by}`);
      }
      lines.push(
        '# HELP campaign_engine_queue_lag_seconds How late the oldest due job is',
        '# TYPE campaign_engine_queue_lag_seconds gauge',
        `campaign_engine_queue_lag_seconds ${queue.lagSeconds}`,
        '# HELP campaign_engine_jobs_due Jobs due and not yet picked up',
        '# TYPE campaign_engine_jobs_due gauge',
        `campaign_engine_jobs_due ${queue.due}`,
        '# HELP campaign_engine_jobs_scheduled Jobs planned for later',
        '# TYPE campaign_engine_jobs_scheduled gauge',
        `campaign_engine_jobs_scheduled ${queue.scheduled}`,
      );
      return reply.type('text/plain; version=0.0.4').send(lines.join('\n') + '\n');
    });
  };
}

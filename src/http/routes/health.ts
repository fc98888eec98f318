import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../db/pool.js';

// /healthz: the process answers. /readyz: it can reach the database (a load balancer stops
// sending traffic to an instance whose database connection is gone).
export function healthRoutes(deps: { pool: Pool; isShuttingDown: () => boolean }) {
  return async function (app: FastifyInstance) {
    app.get('/healthz', { config: { public: true }, schema: { hide: true } }, async () => ({ status: 'ok' }));
    app.get('/readyz', { config: { public: true }, schema: { hide: true } }, async (req, reply) => {
      if (deps.isShuttingDown()) return reply.status(503).send({ status: 'shutting_down' });
      try {
        await deps.pool.query('SELECT 1');
        return { status: 'ready' };
      } catch (err) {
        // The cause goes to the log only: this route is public, and the error names hosts and ports.
        req.log.warn({ err }, 'readiness check: the database is unreachable');
        return reply.status(503).send({ status: 'database_unreachable' });
      }
    });
  };
}

import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Pool } from '../db/pool.js';
import { sendProblem } from './problem.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';

// A ROLE=worker instance serves no API, but an orchestrator still needs to probe it
// (Kubernetes liveness and readiness) and Prometheus to scrape it. With HEALTH_PORT set it
// answers /healthz, /readyz and /metrics there, and nothing else: no tenant data, no token.

export interface HealthServerOptions {
  pool: Pool;
  isShuttingDown: () => boolean;
  metricsToken: string | undefined;
  logger: FastifyServerOptions['logger'];
}

export async function makeHealthServer(opts: HealthServerOptions): Promise<FastifyInstance> {
  const http = Fastify({ logger: opts.logger });
  http.setNotFoundHandler((req, reply) =>
    sendProblem(reply, req, {
      status: 404,
      code: 'not_found',
      detail: `No route ${req.method} ${req.url.split('?')[0]}: a worker serves only /healthz, /readyz and /metrics; the API is on instances with ROLE=api or all`,
    }),
  );
  await http.register(healthRoutes({ pool: opts.pool, isShuttingDown: opts.isShuttingDown }));
  await http.register(metricsRoutes({ pool: opts.pool, token: opts.metricsToken }));
  await http.ready();
  return http;
}

import type { FastifyInstance } from 'fastify';
import type { Lifecycle } from '../../domain/execution/lifecycle.js';

// Runs the due start and end checks of the caller's tenant now (idempotent: a second call
// finds nothing due) and answers which campaigns it started and completed.
export function campaignScheduleRoutes(deps: { lifecycle: Lifecycle }) {
  return async function (app: FastifyInstance) {
    app.post(
      '/campaign-schedule',
      { schema: { tags: ['execution'], summary: 'Run the due start/end checks now; answers what changed' } },
      async (req) => deps.lifecycle.checkDue(req.tenantId),
    );
  };
}

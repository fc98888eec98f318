import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Ledger } from '../../domain/execution/ledger.js';
import { channelSchema } from './dispatches.js';

// Per-tenant overrides of the configured per-channel rate limits (messages per second, 0 = unlimited).

const channelParam = z.object({ channel: channelSchema }).strict();

export function rateLimitRoutes(deps: { ledger: Ledger }) {
  const { ledger } = deps;
  return async function (root: FastifyInstance) {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['settings'];
    app.get(
      '/settings/rate-limits/:channel',
      { schema: { tags, summary: "The tenant's rate limit of a channel (its override, else the configured default)", params: channelParam } },
      async (req) => ledger.getRateLimit(req.tenantId, req.params.channel),
    );
    app.put(
      '/settings/rate-limits/:channel',
      {
        schema: {
          tags,
          summary: "Set the tenant's rate limit of a channel, held across all instances (messages per second; 0 = unlimited)",
          params: channelParam,
          body: z.object({ perSecond: z.number().min(0).max(1_000_000) }).strict(),
        },
      },
      async (req) => ledger.setRateLimit(req.tenantId, req.params.channel, req.body.perSecond),
    );
    app.delete(
      '/settings/rate-limits/:channel',
      { schema: { tags, summary: "Remove the tenant's rate limit of a channel: the configured default applies again", params: channelParam } },
      async (req) => ledger.resetRateLimit(req.tenantId, req.params.channel),
    );
  };
}

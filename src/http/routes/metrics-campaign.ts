import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Metrics } from '../../domain/responses/metrics.js';
import { uuidParam } from '../schemas/common.js';

// Per-campaign figures for every channel (the Prometheus /metrics is engine-wide and elsewhere).

const figures = {
  targeted: z.number().int().meta({ description: 'ledger rows (audience × channel), skipped ones included' }),
  sent: z.number().int().meta({ description: 'MAIL: letters marked SEND by the operator; other channels: ledger SENT' }),
  failed: z.number().int(),
  skipped: z.number().int(),
  pending: z.number().int().meta({ description: 'not reached yet (PENDING or SENDING)' }),
  uncertain: z.number().int(),
  responded: z.number().int().meta({ description: 'distinct recipients with a RESPONDED response' }),
  responseRate: z.number().meta({ description: 'responded / sent in percent, two decimals; 0 when nothing was sent' }),
};
const channelMetrics = z
  .object({ ...figures, readyForPrint: z.number().int().optional().meta({ description: 'MAIL only: ledger rows handed to print' }) })
  .meta({ id: 'ChannelMetrics' });

const campaignMetrics = z
  .object({
    campaignId: z.uuid(),
    campaignStatus: z.string(),
    channels: z.object({
      CALL: channelMetrics.optional(),
      EMAIL: channelMetrics.optional(),
      WHATSAPP: channelMetrics.optional(),
      MAIL: channelMetrics.optional(),
    }),
    total: z.object(figures),
  })
  .meta({ id: 'CampaignMetrics' });

export function campaignMetricsRoutes(deps: { metrics: Metrics }) {
  return async function (root: FastifyInstance) {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/campaigns/:id/metrics',
      {
        schema: {
          tags: ['responses'],
          summary: 'Sent, responded, response rate, targeted, failed and skipped, per channel and in total',
          params: uuidParam,
          response: { 200: campaignMetrics },
        },
      },
      async (req) => deps.metrics.campaign(req.tenantId, req.params.id),
    );
  };
}

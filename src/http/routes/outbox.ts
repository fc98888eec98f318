import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { withTenant, type Pool } from '../../db/pool.js';
import { listSinkRecords } from '../../db/queries/sink-outbox.js';
import { decodeCursor, encodeCursor } from '../pagination.js';
import { pageQuery } from '../schemas/common.js';
import { channelSchema } from './dispatches.js';

// What the local sink adapters "sent" (the embedded default before real providers are set up).

const isSeqCursor = (v: Record<string, unknown>): v is { id: number } => Number.isSafeInteger(v.id) && (v.id as number) >= 0;

export function outboxRoutes(deps: { pool: Pool }) {
  return async function (root: FastifyInstance) {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/outbox',
      {
        schema: {
          tags: ['execution'],
          summary: 'Messages recorded by the local channel sinks, oldest first (cursor pagination)',
          querystring: z.object({ ...pageQuery, campaignId: z.uuid().optional(), channel: channelSchema.optional() }).strict(),
        },
      },
      async (req) => {
        const after = decodeCursor(req.query.cursor, isSeqCursor)?.id;
        const rows = await withTenant(deps.pool, req.tenantId, (tx) =>
          listSinkRecords(tx, req.tenantId, {
            campaignId: req.query.campaignId,
            channel: req.query.channel,
            afterId: after,
            limit: req.query.limit + 1,
          }),
        );
        const page = rows.slice(0, req.query.limit);
        return {
          items: page.map((r) => ({
            id: String(r.id),
            dispatchId: r.dispatch_id,
            channel: r.channel,
            campaignId: r.campaign_id,
            contactId: r.contact_id,
            payload: r.payload,
            createdAt: r.created_at.toISOString(),
          })),
          nextCursor: encodeCursor(rows.length > req.query.limit ? { id: Number(page.at(-1)!.id) } : null),
        };
      },
    );
  };
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CHANNEL_IDS } from '../../channels/channel.js';
import { DISPATCH_STATUSES, RETRYABLE, type Ledger } from '../../domain/execution/ledger.js';
import { decodeCursor, encodeCursor } from '../pagination.js';
import { pageQuery, uuidParam } from '../schemas/common.js';

// The delivery ledger of a campaign: progress, pages of dispatches, the operator's retry and
// resolve of the rows whose outcome is unknown.

const upper = (v: unknown) => (typeof v === 'string' ? v.toUpperCase() : v);
export const channelSchema = z.preprocess(upper, z.enum(CHANNEL_IDS));
const statusSchema = z.preprocess(upper, z.enum(DISPATCH_STATUSES));
const oneOrMany = <T extends z.ZodType>(s: T) =>
  z.union([s, z.array(s)]).optional().transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]));
const isLedgerCursor = (v: Record<string, unknown>): v is { contactId: string; channel: string } =>
  typeof v.contactId === 'string' && /^[0-9a-f-]{36}$/i.test(v.contactId) && typeof v.channel === 'string' && v.channel.length <= 10;

export function dispatchRoutes(deps: { ledger: Ledger }) {
  const { ledger } = deps;
  return async function (root: FastifyInstance) {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['execution'];

    app.get(
      '/campaigns/:id/progress',
      { schema: { tags, summary: 'Progress per channel and overall: {total, pending, sending, sent, failed, skipped, uncertain}', params: uuidParam } },
      async (req) => ledger.progress(req.tenantId, req.params.id),
    );

    app.get(
      '/campaigns/:id/dispatches',
      {
        schema: {
          tags,
          summary: 'The ledger rows of a campaign (cursor pagination; filter by channel and status)',
          params: uuidParam,
          querystring: z.object({ ...pageQuery, channel: oneOrMany(channelSchema), status: oneOrMany(statusSchema) }).strict(),
        },
      },
      async (req) => {
        const after = decodeCursor(req.query.cursor, isLedgerCursor);
        const page = await ledger.list(req.tenantId, req.params.id, {
          channel: req.query.channel,
          status: req.query.status,
          after,
          limit: req.query.limit,
        });
        return { items: page.items, nextCursor: encodeCursor(page.next) };
      },
    );

    app.post(
      '/campaigns/:id/dispatches/retry',
      {
        schema: {
          tags,
          summary: 'Send UNCERTAIN or FAILED dispatches again (RUNNING or PAUSED campaigns); answers how many were requeued',
          params: uuidParam,
          body: z
            .object({
              status: z.array(z.preprocess(upper, z.enum(RETRYABLE as ['UNCERTAIN', 'FAILED']))).min(1),
              channel: channelSchema.optional(),
            })
            .strict(),
        },
      },
      async (req) => ledger.retry(req.tenantId, req.params.id, req.body.status, req.body.channel ?? null),
    );

    app.post(
      '/campaigns/:id/dispatches/resolve',
      {
        schema: {
          tags,
          summary: 'Settle UNCERTAIN dispatches as SENT or FAILED without resending them: the listed ids, or all (optionally of one channel)',
          params: uuidParam,
          body: z
            .object({
              outcome: z.preprocess(upper, z.enum(['SENT', 'FAILED'])),
              channel: channelSchema.optional(),
              ids: z.array(z.uuid()).min(1).max(10_000).optional(),
              all: z.literal(true).optional(),
            })
            .strict()
            // Settling every row is a claim about messages nobody checked one by one: it is
            // asked for in so many words, never the effect of a forgotten field.
            .refine((b) => (b.ids === undefined) !== (b.all === undefined), {
              path: ['ids'],
              message: 'required: the dispatch ids to settle, or "all": true for every UNCERTAIN row (with "channel", of one channel); not both',
            }),
        },
      },
      async (req) =>
        ledger.resolve(req.tenantId, req.params.id, req.body.outcome, { channel: req.body.channel ?? null, ids: req.body.ids ?? null }),
    );
  };
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ResponseService } from '../../domain/responses/service.js';
import { decodeCursor, encodeCursor, isTsIdCursor } from '../pagination.js';
import { pageQuery, uuidParam } from '../schemas/common.js';

// Responses of a campaign: the list (newest first, cursor) and recording by an authenticated
// system. The contact snapshot is the server's; a body cannot set it (unknown keys are a 400).

const channel = z.enum(['CALL', 'EMAIL', 'WHATSAPP', 'MAIL']);
const status = z.enum(['SEND', 'RESPONDED']);

export const responseSchema = z
  .object({
    id: z.uuid(),
    trackingId: z.string(),
    campaignId: z.uuid(),
    channel,
    status,
    responseData: z.record(z.string(), z.unknown()),
    contact: z.record(z.string(), z.unknown()).meta({ description: "snapshot of the contact when the response was first recorded" }),
    eventCount: z.number().int().meta({ description: 'how many times this response came in (repeat scans)' }),
    firstAt: z.string(),
    lastAt: z.string(),
    createdAt: z.string(),
  })
  .meta({ id: 'CampaignResponse' });

const recordBody = z
  .object({
    trackingId: z.string().min(1).max(128),
    status,
    channel: channel.optional(),
    responseData: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .refine((b) => JSON.stringify(b.responseData).length <= 64 * 1024, {
    message: 'must be at most 64 KiB as JSON',
    path: ['responseData'],
  });

export function responseRoutes(deps: { responses: ResponseService }) {
  return async function (root: FastifyInstance) {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['responses'];

    app.get(
      '/campaigns/:id/responses',
      {
        schema: {
          tags,
          summary: 'Responses of a campaign, newest first (cursor pagination; filters channel, status)',
          params: uuidParam,
          querystring: z.object({ ...pageQuery, channel: channel.optional(), status: status.optional() }).strict(),
          response: { 200: z.object({ items: z.array(responseSchema), nextCursor: z.string().nullable() }) },
        },
      },
      async (req) => {
        const after = decodeCursor(req.query.cursor, isTsIdCursor);
        const page = await deps.responses.list(req.tenantId, req.params.id, {
          channel: req.query.channel,
          status: req.query.status,
          limit: req.query.limit,
          after,
        });
        return { items: page.items, nextCursor: encodeCursor(page.next) };
      },
    );

    app.post(
      '/campaigns/:id/responses',
      {
        schema: {
          tags,
          summary: 'Record a response for a tracking id of this campaign',
          description:
            'One response per tracking id and status: 201 when it is new, 200 for a repeat (RESPONDED: its ' +
            'eventCount and lastAt move on; SEND: unchanged). The contact snapshot is taken from our own contact ' +
            'row. 404 for a tracking id that is not one of this campaign.',
          params: uuidParam,
          body: recordBody,
          response: { 200: responseSchema, 201: responseSchema },
        },
      },
      async (req, reply) => {
        const r = await deps.responses.record(req.tenantId, req.params.id, req.body);
        return reply.status(r.created ? 201 : 200).send(r.response);
      },
    );
  };
}

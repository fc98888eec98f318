import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CampaignService } from '../../domain/campaigns/service.js';
import { decodeCursor, encodeCursor, etagOf, isTsIdCursor, parseIfMatch } from '../pagination.js';
import { ifMatchHeaders, pageQuery, uuidParam } from '../schemas/common.js';
import { campaignBody, campaignStatus, statusBody, type CampaignBody } from '../schemas/campaigns.js';

// Campaign CRUD and the status endpoint. Thin: parse, call the service, shape the answer.

const fieldsOf = (b: CampaignBody) => ({
  title: b.title,
  description: b.description ?? null,
  call: b.call,
  email: b.email,
  whatsapp: b.whatsapp,
  mail: b.mail,
  executionBatchSize: b.executionBatchSize ?? null,
  executionIntervalSeconds: b.executionInterval ?? null,
});

export function campaignRoutes(deps: { campaigns: CampaignService }) {
  const { campaigns } = deps;
  return async function (root: FastifyInstance) {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['campaigns'];

    app.get(
      '/campaigns',
      {
        schema: {
          tags,
          summary: 'List campaigns, newest first (cursor pagination)',
          querystring: z
            .object({
              ...pageQuery,
              status: z
                .union([campaignStatus, z.array(campaignStatus)])
                .optional()
                .transform((s) => (s === undefined ? undefined : Array.isArray(s) ? s : [s])),
            })
            .strict(),
        },
      },
      async (req) => {
        const after = decodeCursor(req.query.cursor, isTsIdCursor);
        const page = await campaigns.list(req.tenantId, { status: req.query.status, limit: req.query.limit, after });
        return { items: page.items, nextCursor: encodeCursor(page.next) };
      },
    );

    app.post('/campaigns', { schema: { tags, summary: 'Create a campaign (DRAFT)', body: campaignBody } }, async (req, reply) => {
      const c = await campaigns.create(req.tenantId, fieldsOf(req.body));
      return reply.status(201).header('location', `/campaigns/${c.id}`).header('etag', etagOf(c.version)).send(c);
    });

    app.get('/campaigns/:id', { schema: { tags, summary: 'Read a campaign', params: uuidParam } }, async (req, reply) => {
      const { campaign, schedule } = await campaigns.get(req.tenantId, req.params.id);
      return reply.header('etag', etagOf(campaign.version)).send({ ...campaign, schedule });
    });

    app.put(
      '/campaigns/:id',
      {
        schema: {
          tags,
          summary: 'Replace a campaign (DRAFT, SCHEDULED or PAUSED); honours If-Match',
          params: uuidParam,
          body: campaignBody,
          headers: ifMatchHeaders,
        },
      },
      async (req, reply) => {
        const c = await campaigns.update(req.tenantId, req.params.id, fieldsOf(req.body), parseIfMatch(req.headers['if-match']));
        return reply.header('etag', etagOf(c.version)).send(c);
      },
    );

    app.delete(
      '/campaigns/:id',
      { schema: { tags, summary: 'Delete a campaign (not while RUNNING)', params: uuidParam } },
      async (req, reply) => {
        await campaigns.remove(req.tenantId, req.params.id);
        return reply.status(204).send();
      },
    );

    app.put(
      '/campaigns/:id/status',
      {
        schema: {
          tags,
          summary: 'Change the status: schedule, start, pause, resume, reschedule, back to draft',
          params: uuidParam,
          body: statusBody,
        },
      },
      async (req, reply) => {
        const c = await campaigns.transition(req.tenantId, req.params.id, req.body.status);
        return reply.header('etag', etagOf(c.version)).send(c);
      },
    );
  };
}

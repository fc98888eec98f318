import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { canonicalTimeZone } from '../../domain/schedule/local-time.js';
import type { CampaignService } from '../../domain/campaigns/service.js';
import type { ChannelName } from '../../domain/campaigns/model.js';
import { pathOf } from '../../domain/campaigns/completeness.js';
import { etagOf, parseIfMatch } from '../pagination.js';
import { ifMatchHeaders, uuidParam } from '../schemas/common.js';
import { channelBodies, scheduleBody, targetBody } from '../schemas/campaigns.js';
import type { ChannelAttachmentEditor } from '../../domain/attachments/index.js';
import { AppError } from '../../lib/errors.js';
import { nextFilePart, readConfigPart, registerMultipart } from './attachments-multipart.js';

// Schedule, target and channel configs of a campaign. Each write is an edit of the campaign
// (allowed in DRAFT, SCHEDULED, PAUSED; bumps its version; honours If-Match).
// With `attachments`, the email, WhatsApp and mail configs show their attachment and their PUTs
// also take multipart/form-data (a `config` part, then an `attachment` file part).

/** A call has no attachment, so its config is JSON only: say so instead of "body: required". */
async function refuseMultipart(req: FastifyRequest): Promise<void> {
  if (!req.isMultipart()) return;
  const detail = `${req.url.split('?')[0]} takes application/json only (a call has no attachment); multipart/form-data is for /emails, /whatsapp and /mails`;
  throw new AppError('unsupported_media_type', detail, { fields: [{ field: 'content-type', message: detail }] });
}

export function campaignPartRoutes(deps: {
  campaigns: CampaignService;
  attachments?: { editor: ChannelAttachmentEditor; maxBytes: number };
}) {
  const { campaigns } = deps;
  return async function (root: FastifyInstance) {
    if (deps.attachments) await registerMultipart(root, deps.attachments.maxBytes);
    const app = root.withTypeProvider<ZodTypeProvider>();

    app.get('/campaigns/:id/schedule', { schema: { tags: ['schedule'], summary: 'Read the schedule (null when none)', params: uuidParam } }, async (req, reply) => {
      const { campaign, schedule } = await campaigns.getSchedule(req.tenantId, req.params.id);
      return reply.header('etag', etagOf(campaign.version)).send(schedule);
    });

    app.post(
      '/campaigns/:id/schedule',
      {
        schema: {
          tags: ['schedule'],
          summary: 'Attach or replace the schedule (re-plans a SCHEDULED campaign)',
          params: uuidParam,
          body: scheduleBody,
          headers: ifMatchHeaders,
        },
      },
      async (req, reply) => {
        const b = req.body;
        const { campaign, result } = await campaigns.setSchedule(
          req.tenantId,
          req.params.id,
          {
            startOn: b.startOn,
            endOn: b.endOn ?? null,
            operationalStartTime: b.operationalStartTime ?? null,
            operationalEndTime: b.operationalEndTime ?? null,
            timeZone: canonicalTimeZone(b.timeZone) ?? b.timeZone,
            operationalDays: b.operationalDays ?? [],
            operationFrequency: b.operationFrequency,
          },
          parseIfMatch(req.headers['if-match']),
        );
        return reply.header('etag', etagOf(campaign.version)).send(result);
      },
    );

    app.get('/campaigns/:id/targets', { schema: { tags: ['targets'], summary: 'Read the target audience (null when none)', params: uuidParam } }, async (req, reply) => {
      const { campaign, target } = await campaigns.getTarget(req.tenantId, req.params.id);
      return reply.header('etag', etagOf(campaign.version)).send(target);
    });

    app.put(
      '/campaigns/:id/targets',
      { schema: { tags: ['targets'], summary: 'Set the target audience', params: uuidParam, body: targetBody, headers: ifMatchHeaders } },
      async (req, reply) => {
        const b = req.body;
        const { campaign, result } = await campaigns.setTarget(
          req.tenantId,
          req.params.id,
          {
            minAge: b.minAge ?? null,
            maxAge: b.maxAge ?? null,
            // Tags compare trimmed and case-insensitively; store them that way once.
            contactTags: [...new Set((b.contactTags ?? []).map((t) => t.trim().toLowerCase()))],
            tagMatch: b.tagMatch,
            genders: [...new Set(b.genders ?? [])],
            contactType: [...new Set(Array.isArray(b.contactType) ? b.contactType : [b.contactType])],
          },
          parseIfMatch(req.headers['if-match']),
        );
        return reply.header('etag', etagOf(campaign.version)).send(result);
      },
    );

    for (const channel of ['call', 'email', 'whatsapp', 'mail'] as ChannelName[]) {
      const path = `/campaigns/:id/${pathOf(channel)}`;
      const tags = ['channels'];
      const editor = channel === 'call' ? undefined : deps.attachments?.editor;
      app.get(path, { schema: { tags, summary: `Read the ${channel} config`, params: uuidParam } }, async (req, reply) => {
        if (editor && channel !== 'call') {
          const { campaign, config } = await editor.getConfig(req.tenantId, req.params.id, channel);
          return reply.header('etag', etagOf(campaign.version)).send(config);
        }
        const { campaign, config } = await campaigns.getChannelConfig(req.tenantId, req.params.id, channel);
        return reply.header('etag', etagOf(campaign.version)).send(config);
      });
      app.put(
        path,
        {
          schema: {
            tags,
            summary: `Set the ${channel} config`,
            params: uuidParam,
            body: channelBodies[channel],
            headers: ifMatchHeaders,
            ...(editor
              ? {
                  consumes: ['application/json', 'multipart/form-data'],
                  description:
                    'JSON, or multipart/form-data with a part `config` (this JSON body) followed by a file part ' +
                    '`attachment`, which replaces the stored attachment (size limit 413, type checked from the bytes 415).',
                }
              : {}),
          },
          preValidation: editor ? readConfigPart : refuseMultipart,
        },
        async (req, reply) => {
          if (editor && channel !== 'call') {
            const file = req.isMultipart() ? await nextFilePart(req) : undefined;
            const { campaign, config } = await editor.setConfig(
              req.tenantId,
              req.params.id,
              channel,
              req.body as Record<string, unknown>,
              parseIfMatch(req.headers['if-match']),
              file,
            );
            return reply.header('etag', etagOf(campaign.version)).send(config);
          }
          const { campaign, result } = await campaigns.setChannelConfig(
            req.tenantId,
            req.params.id,
            channel,
            req.body as Record<string, unknown>,
            parseIfMatch(req.headers['if-match']),
          );
          return reply.header('etag', etagOf(campaign.version)).send(result);
        },
      );
    }
  };
}

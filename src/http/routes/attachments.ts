import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AttachmentService, ChannelAttachmentEditor, AttachmentChannel } from '../../domain/attachments/index.js';
import { pathOf } from '../../domain/campaigns/completeness.js';
import { contentDispositionAttachment } from '../../storage/file-name.js';
import { etagOf, parseIfMatch } from '../pagination.js';
import { ifMatchHeaders, uuidParam } from '../schemas/common.js';

// Downloading and removing attachments. Uploads go through the channel config PUTs
// (multipart/form-data, see attachments-multipart.ts).

/** Lifetime of the presigned URL handed out by `?redirect=1`. */
const REDIRECT_TTL_SECONDS = 300;

export function attachmentRoutes(deps: { attachments: AttachmentService; editor: ChannelAttachmentEditor }) {
  const { attachments, editor } = deps;
  return async function (root: FastifyInstance) {
    const app = root.withTypeProvider<ZodTypeProvider>();

    app.get(
      '/attachments/:id',
      {
        schema: {
          tags: ['attachments'],
          summary: 'Download an attachment',
          description:
            'Streams the file with its Content-Type, Content-Length and an attachment Content-Disposition. ' +
            'With `redirect=1` and S3 storage, answers 302 to a presigned URL valid for 5 minutes instead ' +
            '(the local store has none and streams as usual).',
          params: uuidParam,
          querystring: z.object({ redirect: z.enum(['0', '1', 'true', 'false']).optional() }).strict(),
        },
      },
      async (req, reply) => {
        const wantsRedirect = req.query.redirect === '1' || req.query.redirect === 'true';
        if (wantsRedirect) {
          const url = await attachments.presignedUrl(req.tenantId, req.params.id, REDIRECT_TTL_SECONDS);
          if (url) return reply.header('cache-control', 'no-store').redirect(url, 302);
        }
        const { info, object } = await attachments.download(req.tenantId, req.params.id);
        const stored = await object();
        return reply
          .header('content-type', info.contentType)
          .header('content-length', stored.size)
          .header('content-disposition', contentDispositionAttachment(info.fileName))
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'private, no-store')
          .send(stored.body);
      },
    );

    for (const channel of ['email', 'whatsapp', 'mail'] as AttachmentChannel[]) {
      app.delete(
        `/campaigns/:id/${pathOf(channel)}/attachment`,
        {
          schema: {
            tags: ['channels', 'attachments'],
            summary: `Remove the ${channel} attachment (row and stored file)`,
            params: uuidParam,
            headers: ifMatchHeaders,
          },
        },
        async (req, reply) => {
          const { campaign } = await editor.removeAttachment(req.tenantId, req.params.id, channel, parseIfMatch(req.headers['if-match']));
          return reply.header('etag', etagOf(campaign.version)).status(204).send();
        },
      );
    }
  };
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { makeUnsubscribe } from '../../channels/email/unsubscribe.js';
import type { AttachmentService } from '../../domain/attachments/index.js';
import type { LinkSigner } from '../../domain/settings/crypto.js';
import { contentDispositionAttachment } from '../../storage/file-name.js';
import { sendProblem } from '../problem.js';

// Public endpoints reached through links we hand out, each authorised by the link itself:
//  - /unsubscribe/{trackingId}: GET shows a confirmation page with a button, POST is the RFC 8058
//    one-click unsubscribe (mail clients POST `List-Unsubscribe=One-Click`; any body is accepted).
//    GET never unsubscribes: link scanners and previews fetch URLs.
//  - /public/attachments/{id}?tenant&exp&sig: a signed, expiring download for providers (WhatsApp
//    media headers) when the store cannot presign URLs itself.

const PUBLIC = { public: true } as const;
const trackingParam = z.object({ trackingId: z.string().regex(/^[A-Za-z0-9_-]{10,64}$/, 'not a tracking id') }).strict();

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
  `<meta name="robots" content="noindex"><title>${title}</title></head>` +
  `<body style="font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem">${body}</body></html>`;

export function unsubscribeRoutes(deps: {
  unsubscribe: ReturnType<typeof makeUnsubscribe>;
  attachments: Pick<AttachmentService, 'download'>;
  signer: LinkSigner;
}) {
  return async function (root: FastifyInstance) {
    root.removeAllContentTypeParsers();
    root.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['unsubscribe'];

    app.get(
      '/unsubscribe/:trackingId',
      { config: PUBLIC, schema: { tags, summary: 'Unsubscribe confirmation page (does not unsubscribe by itself)', params: trackingParam } },
      async (req, reply) => {
        reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
        if (!(await deps.unsubscribe.known(req.params.trackingId))) {
          return reply.status(404).send(page('Link not valid', '<h1>This link is not valid</h1><p>It may have expired or been mistyped.</p>'));
        }
        return reply.send(
          page(
            'Unsubscribe',
            '<h1>Unsubscribe from these emails?</h1>' +
              `<form method="post" action="${encodeURIComponent(req.params.trackingId)}">` +
              '<input type="hidden" name="List-Unsubscribe" value="One-Click">' +
              '<button type="submit">Unsubscribe</button></form>',
          ),
        );
      },
    );

    app.post(
      '/unsubscribe/:trackingId',
      { config: PUBLIC, schema: { tags, summary: 'One-click unsubscribe (RFC 8058): opts the recipient out of email', params: trackingParam } },
      async (req, reply) => {
        const done = await deps.unsubscribe.optOut(req.params.trackingId);
        reply.type('text/html; charset=utf-8').header('cache-control', 'no-store');
        if (!done) return reply.status(404).send(page('Link not valid', '<h1>This link is not valid</h1>'));
        return reply.send(page('Unsubscribed', '<h1>You are unsubscribed</h1><p>You will not receive these emails any more.</p>'));
      },
    );

    app.get(
      '/public/attachments/:id',
      {
        config: PUBLIC,
        schema: {
          tags: ['attachments'],
          summary: 'Signed, expiring attachment download for providers',
          params: z.object({ id: z.uuid() }).strict(),
          querystring: z.object({ tenant: z.string().min(1).max(200), exp: z.coerce.number().int(), sig: z.string().max(100) }).strict(),
        },
      },
      async (req, reply) => {
        const { tenant, exp, sig } = req.query;
        if (!deps.signer.verify(tenant, req.params.id, exp, sig)) {
          return sendProblem(reply, req, { status: 403, code: 'forbidden', detail: 'the link is invalid or has expired' });
        }
        const { info, object } = await deps.attachments.download(tenant, req.params.id);
        const stored = await object();
        return reply
          .header('content-type', info.contentType)
          .header('content-length', stored.size)
          .header('content-disposition', contentDispositionAttachment(info.fileName))
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'private, max-age=300')
          .send(stored.body);
      },
    );
  };
}

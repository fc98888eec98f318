import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { TemplateService } from '../../domain/templates/service.js';
import { decodeCursor, encodeCursor, isTsIdCursor } from '../pagination.js';
import { pageQuery, uuidParam } from '../schemas/common.js';

// Message templates: CRUD, cursor pagination, and a preview for one contact.

const source = z.string().min(1).max(200);
const waParameter = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), source, parameterName: z.string().regex(/^[a-z_][a-z0-9_]*$/).max(100).optional() }).strict(),
  z.object({ type: z.literal('document'), source, filename: z.string().min(1).max(255).optional() }).strict(),
  z.object({ type: z.literal('image'), source }).strict(),
  z.object({ type: z.literal('video'), source }).strict(),
  z.object({ type: z.literal('payload'), source }).strict(),
]);
const waComponent = z
  .object({
    type: z.enum(['header', 'body', 'button']),
    subType: z.string().min(1).max(50).optional(),
    index: z.number().int().min(0).max(9).optional(),
    parameters: z.array(waParameter).max(20),
  })
  .strict();

export const templateBody = z
  .object({
    kind: z.enum(['EMAIL', 'WHATSAPP']),
    name: z.string().trim().min(1).max(200),
    description: z.string().max(2000).nullable().optional(),
    subject: z.string().max(998).nullable().optional(),
    html: z.string().max(500_000).nullable().optional(),
    text: z.string().max(500_000).nullable().optional(),
    whatsapp: z
      .object({
        name: z.string().regex(/^[a-z0-9_]{1,512}$/, 'the approved template name: lower case, digits and _'),
        language: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, 'a language code such as en or en_US'),
        components: z.array(waComponent).max(10),
      })
      .strict()
      .nullable()
      .optional(),
  })
  .strict()
  .meta({ id: 'TemplateInput' });

export const previewBody = z
  .object({
    contactId: z.uuid().optional(),
    contact: z
      .object({
        firstName: z.string().max(200).nullable().optional(),
        lastName: z.string().max(200).nullable().optional(),
        email: z.string().max(254).nullable().optional(),
        phone: z.string().max(32).nullable().optional(),
        externalId: z.string().max(200).nullable().optional(),
        contactType: z.string().max(100).optional(),
        attributes: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .optional(),
    data: z.record(z.string(), z.unknown()).optional(),
  })
  .strict()
  .refine((b) => !(b.contactId && b.contact), { message: 'give contactId or contact, not both', path: ['contact'] });

export function templateRoutes(deps: { templates: TemplateService }) {
  const { templates } = deps;
  return async function (root: FastifyInstance) {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['templates'];

    app.get(
      '/templates',
      {
        schema: {
          tags,
          summary: 'List templates, newest first (cursor pagination)',
          querystring: z.object({ ...pageQuery, kind: z.enum(['EMAIL', 'WHATSAPP']).optional() }).strict(),
        },
      },
      async (req) => {
        const after = decodeCursor(req.query.cursor, isTsIdCursor);
        const page = await templates.list(req.tenantId, { kind: req.query.kind, limit: req.query.limit, after });
        return { items: page.items, nextCursor: encodeCursor(page.next) };
      },
    );

    app.post('/templates', { schema: { tags, summary: 'Create a template', body: templateBody } }, async (req, reply) => {
      const t = await templates.create(req.tenantId, req.body);
      return reply.status(201).header('location', `/templates/${t.id}`).send(t);
    });

    app.get('/templates/:id', { schema: { tags, summary: 'Read a template', params: uuidParam } }, async (req) =>
      templates.get(req.tenantId, req.params.id),
    );

    app.put('/templates/:id', { schema: { tags, summary: 'Replace a template (same kind)', params: uuidParam, body: templateBody } }, async (req) =>
      templates.update(req.tenantId, req.params.id, req.body),
    );

    app.delete(
      '/templates/:id',
      { schema: { tags, summary: 'Delete a template (409 while a campaign that is not COMPLETED uses it)', params: uuidParam } },
      async (req, reply) => {
        await templates.remove(req.tenantId, req.params.id);
        return reply.status(204).send();
      },
    );

    app.post(
      '/templates/:id/preview',
      {
        schema: {
          tags,
          summary: 'Render the template for a stored contact (contactId) or an inline contact, with templateData',
          params: uuidParam,
          body: previewBody,
        },
      },
      async (req) => templates.preview(req.tenantId, req.params.id, req.body),
    );
  };
}

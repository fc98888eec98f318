import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ContactDirectory } from '../../domain/contacts/store.js';
import type { ContactNormalizer } from '../../domain/contacts/index.js';
import { decodeCursor, encodeCursor } from '../pagination.js';
import { pageQuery, uuidParam } from '../schemas/common.js';
import { contactBody, contactFromBody, contactListQuery, isIdCursor } from './contacts-schemas.js';

// Contacts CRUD. Thin: structure by zod, values by the contact normaliser, storage by the
// directory. POST refuses a second contact with the same identity (409 with the existing id);
// PUT replaces every field of the contact it names.

export function contactRoutes(deps: { directory: ContactDirectory; normalizer: ContactNormalizer }) {
  const { directory, normalizer } = deps;
  return async function (root: FastifyInstance) {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['contacts'];

    app.get(
      '/contacts',
      {
        schema: {
          tags,
          summary: 'List contacts in id order (keyset cursor)',
          description:
            'Filters: contactType (one or more), tag (case-insensitive; several = all of them), gender, ' +
            'q (contains-search over first name, last name, email and phone; a phone typed with spaces or ' +
            'punctuation matches its digits). q uses a trigram index from 3 characters on.',
          querystring: z.object({ ...pageQuery, ...contactListQuery }).strict(),
        },
      },
      async (req) => {
        const after = decodeCursor(req.query.cursor, isIdCursor);
        const { contactType, tag, gender, q, limit } = req.query;
        const page = await directory.list(req.tenantId, { contactType, tags: tag, gender, q }, { limit, afterId: after?.id });
        return { items: page.items, nextCursor: encodeCursor(page.nextAfterId ? { id: page.nextAfterId } : null) };
      },
    );

    app.post(
      '/contacts',
      {
        schema: {
          tags,
          summary: 'Create a contact',
          description: 'Email is trimmed and lower-cased, phone becomes E.164. A contact with the same identity ' +
            '(externalId, else email, else phone) answers 409 with `existingId`; update it with PUT.',
          body: contactBody,
        },
      },
      async (req, reply) => {
        const c = await directory.create(req.tenantId, contactFromBody(normalizer, req.body));
        return reply.status(201).header('location', `/contacts/${c.id}`).send(c);
      },
    );

    app.get('/contacts/:id', { schema: { tags, summary: 'Read a contact', params: uuidParam } }, async (req) =>
      directory.get(req.tenantId, req.params.id),
    );

    app.put(
      '/contacts/:id',
      { schema: { tags, summary: 'Replace a contact (absent fields become empty)', params: uuidParam, body: contactBody } },
      async (req) => directory.replace(req.tenantId, req.params.id, contactFromBody(normalizer, req.body)),
    );

    app.delete('/contacts/:id', { schema: { tags, summary: 'Delete a contact', params: uuidParam } }, async (req, reply) => {
      await directory.remove(req.tenantId, req.params.id);
      return reply.status(204).send();
    });
  };
}

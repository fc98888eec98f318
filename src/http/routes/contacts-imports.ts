import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import multipart from '@fastify/multipart';
import { z } from 'zod';
import type { Readable } from 'node:stream';
import type { ContactImporter, ImportUpload } from '../../domain/contacts/importer.js';
import { AppError, validationError } from '../../lib/errors.js';
import { decodeCursor, encodeCursor, isTsIdCursor } from '../pagination.js';
import { pageQuery, uuidParam } from '../schemas/common.js';

// POST /contacts/imports takes the file as the raw body (Content-Type text/csv, text/vcard, ...)
// or as the multipart/form-data part `file`. Neither is buffered: the parsers below hand the
// request stream through, and the importer reads it at the pace the database takes the rows.
//
// The request is synchronous: it answers when the whole file is in (201 with the counters). A
// large file takes a while (a million rows: about a minute on two cores, see bench/import.ts);
// meanwhile the import is visible as RUNNING, with live counters, in GET /contacts/imports.

/** Types whose body is handed to the importer as is; the importer checks the bytes anyway. */
const RAW_TYPES = [
  'text/csv',
  'application/csv',
  'text/comma-separated-values',
  'text/tab-separated-values',
  'application/vnd.ms-excel',
  'text/vcard',
  'text/x-vcard',
  'text/directory',
  'text/plain',
  'application/octet-stream',
];

// Room for the multipart envelope (boundaries, part headers, small fields) above the file limit.
const MULTIPART_SLACK = 64 * 1024;

const importQuery = z
  .object({
    contactType: z.string().trim().min(1).max(100).optional().describe('contact type of rows that name none'),
    region: z
      .string()
      .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code')
      .transform((s) => s.toUpperCase())
      .optional()
      .describe('region national phone numbers are read in (default: CONTACTS_DEFAULT_REGION)'),
  })
  .strict();

/**
 * The upload as an async iterable that leaves the stream alone when the importer stops early
 * (413, unusable file): destroying the request stream would reset the connection before the
 * client reads our answer. Node drains what is left once the response is sent.
 */
function uploadOf(stream: Readable): AsyncIterable<Buffer> {
  return { [Symbol.asyncIterator]: () => stream.iterator({ destroyOnReturn: false }) };
}

function declaredLength(req: FastifyRequest): number | undefined {
  const n = Number(req.headers['content-length']);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

export function contactImportRoutes(deps: { importer: ContactImporter; maxBytes: number }) {
  const { importer, maxBytes } = deps;
  return async function (root: FastifyInstance) {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['contacts'];

    // Scoped to this plugin: elsewhere text/plain stays the default (buffered, size-limited) parser.
    app.removeContentTypeParser('text/plain');
    app.addContentTypeParser(RAW_TYPES, (_req, payload, done) => done(null, payload));
    await app.register(multipart, {
      limits: { fileSize: maxBytes + 1, files: 1, fields: 4, parts: 5, fieldSize: 1024 },
    });

    app.post(
      '/contacts/imports',
      {
        schema: {
          tags,
          summary: 'Import contacts from a CSV or vCard file',
          description:
            'Body: the file itself (Content-Type text/csv or text/vcard) or multipart/form-data with the part `file`. ' +
            'Rows are upserted by identity (externalId, else email, else phone); a row\'s empty cells keep stored values. ' +
            'Bad rows are reported with their line and do not stop the import. 415 for anything but CSV/vCard, ' +
            '413 over IMPORT_MAX_BYTES, 400 for an empty or unusable file.',
          querystring: importQuery,
        },
      },
      async (req, reply) => {
        const options = { defaultContactType: req.query.contactType, region: req.query.region };
        let result;
        if (req.isMultipart()) {
          const size = declaredLength(req);
          if (size !== undefined && size > maxBytes + MULTIPART_SLACK) {
            throw new AppError('payload_too_large', `The file is larger than the import limit of ${maxBytes} bytes`, {
              details: { maxBytes },
            });
          }
          result = await importMultipart(req, options);
        } else {
          const body = req.body as Readable | undefined;
          if (!body || typeof (body as Readable).pipe !== 'function') {
            throw new AppError('unsupported_media_type', 'Send the file as text/csv, text/vcard or multipart/form-data (part "file")', {
              details: { declaredType: req.headers['content-type'] ?? null },
            });
          }
          result = await importer.run(req.tenantId, {
            ...options,
            source: uploadOf(body),
            contentType: req.headers['content-type'],
            declaredBytes: declaredLength(req),
          });
        }
        return reply.status(201).header('location', `/contacts/imports/${result.id}`).send(result);
      },
    );

    async function importMultipart(req: FastifyRequest, options: Pick<ImportUpload, 'defaultContactType' | 'region'>) {
      const fields: Record<string, string> = {};
      for await (const part of req.parts()) {
        if (part.type === 'field') {
          if (part.fieldname !== 'contactType' && part.fieldname !== 'region') {
            throw validationError([{ field: part.fieldname, message: 'unknown part (expected "file")' }]);
          }
          fields[part.fieldname] = String(part.value);
          continue;
        }
        if (part.fieldname !== 'file') {
          part.file.resume();
          throw validationError([{ field: part.fieldname, message: 'unknown part; the file goes in the part "file"' }]);
        }
        const region = fields.region?.toUpperCase() ?? options.region;
        return importer.run(req.tenantId, {
          source: uploadOf(part.file),
          contentType: part.mimetype,
          fileName: part.filename || null,
          defaultContactType: fields.contactType?.trim() || options.defaultContactType,
          region,
        });
      }
      throw validationError([{ field: 'file', message: 'required: the multipart part "file" with the contact file' }]);
    }

    app.get(
      '/contacts/imports',
      { schema: { tags, summary: 'List imports, newest first (without their errors)', querystring: z.object(pageQuery).strict() } },
      async (req) => {
        const after = decodeCursor(req.query.cursor, isTsIdCursor);
        const page = await importer.list(req.tenantId, { limit: req.query.limit, after });
        return { items: page.items, nextCursor: encodeCursor(page.next) };
      },
    );

    app.get(
      '/contacts/imports/:id',
      { schema: { tags, summary: 'An import: status, counters and row errors', params: uuidParam } },
      async (req) => importer.get(req.tenantId, req.params.id),
    );
  };
}

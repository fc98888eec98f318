import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import multipart from '@fastify/multipart';
import { z } from 'zod';
import type { Readable } from 'node:stream';
import type { Multipart } from '@fastify/multipart';
import type { ContactImporter, ImportUpload } from '../../domain/contacts/importer.js';
import { isKnownRegion, REGION_RULE } from '../../domain/contacts/email-phone.js';
import { AppError, validationError } from '../../lib/errors.js';
import { malformedMultipart, onlyOnce, partError, unknownPart } from '../multipart.js';
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

// Checked here, under the name the caller used (`region`), rather than by the importer's
// normaliser, which knows it only as its `defaultRegion` option.
const region = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .refine(isKnownRegion, REGION_RULE);

const importQuery = z
  .object({
    contactType: z.string().trim().min(1).max(100).optional().describe('contact type of rows that name none'),
    region: region.optional().describe('region national phone numbers are read in (default: CONTACTS_DEFAULT_REGION)'),
  })
  .strict();

const FIELD_PARTS = ['contactType', 'region'];
const PARTS = '"contactType" and "region" (optional, before the file) and "file" (the contact file)';

/** What a 415 says this endpoint takes (its raw types are too many to list one by one). */
const TAKES =
  'text/csv or text/vcard (also ' + RAW_TYPES.filter((t) => t !== 'text/csv' && t !== 'text/vcard').join(', ') +
  '), or multipart/form-data with the file in the part "file"';

/**
 * The upload as an async iterable that leaves the stream alone when the importer stops early
 * (413, unusable file): destroying the request stream would reset the connection before the
 * client reads our answer. Node drains what is left once the response is sent. A multipart
 * parser error becomes the 400 it is here, so the importer records it with the import; `atEnd`
 * runs once the file is read, before the importer writes its last batch.
 */
function uploadOf(stream: Readable, atEnd?: () => Promise<void>): AsyncIterable<Buffer> {
  return {
    async *[Symbol.asyncIterator]() {
      try {
        yield* stream.iterator({ destroyOnReturn: false });
      } catch (e) {
        throw malformedMultipart(e) ?? e;
      }
      await atEnd?.();
    },
  };
}

function declaredLength(req: FastifyRequest): number | undefined {
  const n = Number(req.headers['content-length']);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** The multipart `region` part, checked like the query parameter. */
function regionPart(value: string): string {
  const parsed = region.safeParse(value);
  if (!parsed.success) throw validationError([{ field: 'region', message: REGION_RULE }]);
  return parsed.data;
}

/** Refuses whatever follows the file: a second file, or a field that had to come before it. */
async function nothingAfterFile(it: AsyncIterator<Multipart>): Promise<void> {
  const after = await it.next();
  if (after.done) return;
  const name = after.value.fieldname;
  const message =
    name === 'file' ? onlyOnce('file') : FIELD_PARTS.includes(name) ? 'must come before the "file" part' : unknownPart(PARTS);
  throw partError(after.value, message);
}

export function contactImportRoutes(deps: { importer: ContactImporter; maxBytes: number }) {
  const { importer, maxBytes } = deps;
  return async function (root: FastifyInstance) {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['contacts'];

    // Scoped to this plugin: elsewhere text/plain has no parser (a JSON route answers it 415).
    app.addContentTypeParser(RAW_TYPES, (_req, payload, done) => done(null, payload));
    await app.register(multipart, {
      // One more file than is taken, so a second one is refused by name, not as a bare limit.
      limits: { fileSize: maxBytes + 1, files: 2, fields: 4, parts: 5, fieldSize: 1024 },
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
        config: { takes: TAKES },
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
      const it = req.parts()[Symbol.asyncIterator]();
      const fields: Record<string, string> = {};
      for (let next = await it.next(); !next.done; next = await it.next()) {
        const part = next.value;
        const name = part.fieldname;
        if (FIELD_PARTS.includes(name)) {
          if (part.type === 'file') throw partError(part, 'must be a text field, not a file');
          if (name in fields) throw partError(part, onlyOnce(name));
          fields[name] = String(part.value);
          continue;
        }
        if (name !== 'file') throw partError(part, unknownPart(PARTS));
        if (part.type !== 'file') throw partError(part, 'must be a file part with a file name');
        return importer.run(req.tenantId, {
          source: uploadOf(part.file, () => nothingAfterFile(it)),
          contentType: part.mimetype,
          fileName: part.filename || null,
          defaultContactType: fields.contactType?.trim() || options.defaultContactType,
          region: fields.region === undefined ? options.region : regionPart(fields.region),
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

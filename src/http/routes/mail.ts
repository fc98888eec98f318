import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { MailPrint } from '../../domain/mail/print.js';
import type { Metrics } from '../../domain/responses/metrics.js';
import type { ResponseService } from '../../domain/responses/service.js';
import { decodeCursor, encodeCursor } from '../pagination.js';
import { uuidParam } from '../schemas/common.js';
import { responseSchema } from './responses.js';

// Physical mail: the print batch (JSON pages or a streamed PDF), marking a letter as posted,
// and the mail metrics. Thin: parse, call the domain, shape the answer.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isIdCursor = (v: Record<string, unknown>): v is { id: string } => typeof v.id === 'string' && UUID.test(v.id);

const printQuery = z
  .object({
    format: z.enum(['json', 'pdf']).default('json'),
    pageSize: z.enum(['A4', 'LETTER']).default('A4'),
    limit: z.coerce.number().int().min(1).max(200).optional(),
    cursor: z.string().max(500).optional(),
    appendAttachment: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  })
  .strict();

const address = z
  .object({
    line1: z.string().nullish(),
    line2: z.string().nullish(),
    city: z.string().nullish(),
    region: z.string().nullish(),
    postalCode: z.string().nullish(),
    country: z.string().nullish(),
  })
  .meta({ id: 'PostalAddress' });

const printPage = z
  .object({
    items: z.array(
      z.object({
        trackId: z.string(),
        contact: z.object({ name: z.string(), address }),
        qrCode: z.string().meta({ description: '300×300 PNG, Base64' }),
        scanUrl: z.string().meta({ description: 'what the QR code encodes' }),
      }),
    ),
    nextCursor: z.string().nullable(),
  })
  .meta({ id: 'MailPrintPage' });

export const mailMetricsSchema = z
  .object({ sent: z.number().int(), responded: z.number().int(), responseRate: z.number() })
  .meta({ id: 'MailMetrics' });

export function mailRoutes(deps: { print: MailPrint; responses: ResponseService; metrics: Metrics }) {
  return async function (root: FastifyInstance) {
    const app = root.withTypeProvider<ZodTypeProvider>();
    const tags = ['mail'];

    app.get(
      '/campaigns/:id/mails/print',
      {
        schema: {
          tags,
          summary: 'The print batch: letters handed to print, with their QR codes',
          description:
            'Letters whose ledger row is SENT (handed to print), in ledger order. JSON: a page of at most `limit` ' +
            '(default 50, at most 200) with a Base64 PNG QR code each. `format=pdf`: one print-ready PDF, one page per ' +
            'letter (A4 or LETTER), streamed; it covers every letter after `cursor` (from the first without one), ' +
            'or only `limit` of them when `limit` is given. `appendAttachment=true` (PDF only) prints the mail ' +
            "config's attachment behind every letter: each page of a PDF at its own size, a PNG or JPEG as one page; " +
            '400 when there is no attachment or it is of another type.',
          params: uuidParam,
          querystring: printQuery,
          response: { 200: printPage },
        },
      },
      async (req, reply) => {
        const after = decodeCursor(req.query.cursor, isIdCursor)?.id;
        if (req.query.format === 'pdf') {
          const stream = await deps.print.pdf(req.tenantId, req.params.id, {
            after,
            limit: req.query.limit,
            pageSize: req.query.pageSize,
            appendAttachment: req.query.appendAttachment,
          });
          return reply
            .type('application/pdf')
            .header('content-disposition', `attachment; filename="letters-${req.params.id}.pdf"`)
            .header('cache-control', 'no-store')
            // A stream is piped as is; the response schema only serialises the JSON answer.
            .send(stream as never);
        }
        const page = await deps.print.page(req.tenantId, req.params.id, { after, limit: req.query.limit ?? 50 });
        return { items: page.items, nextCursor: encodeCursor(page.next ? { id: page.next } : null) };
      },
    );

    app.post(
      '/campaigns/:id/mails/:trackId/status',
      {
        schema: {
          tags,
          summary: 'Mark a letter as posted (status SEND); idempotent',
          description:
            'Records a SEND response for the letter with this tracking id. A repeat answers the first record ' +
            'unchanged. 404 for a tracking id that is not a letter of this campaign; 409 when the letter was not ' +
            'handed to print yet.',
          params: z.object({ id: z.uuid({ message: 'must be a UUID' }), trackId: z.string().min(1).max(128) }).strict(),
          body: z.object({ status: z.literal('SEND') }).strict(),
          response: { 200: responseSchema },
        },
      },
      async (req) => (await deps.responses.markLetterSent(req.tenantId, req.params.id, req.params.trackId)).response,
    );

    app.get(
      '/campaigns/:id/mails/metrics',
      {
        schema: {
          tags,
          summary: 'Letters posted, distinct responders and the response rate (percent)',
          params: uuidParam,
          response: { 200: mailMetricsSchema },
        },
      },
      async (req) => deps.metrics.mail(req.tenantId, req.params.id),
    );
  };
}

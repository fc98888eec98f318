import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AudiencePreviewService } from '../../domain/contacts/audience-preview.js';
import { decodeCursor, encodeCursor } from '../pagination.js';
import { uuidParam } from '../schemas/common.js';
import { INPUT_DATE_RULE, parseInputDate } from '../../domain/schedule/validate.js';
import { isIdCursor } from './contacts-schemas.js';

// GET /campaigns/{id}/targets/preview: the exact count and a keyset page of the contacts the
// campaign's current target reaches, with the audience freeze's own predicate.

export function targetsPreviewRoutes(deps: { preview: AudiencePreviewService }) {
  return async function (root: FastifyInstance) {
    const app = root.withTypeProvider<ZodTypeProvider>();
    app.get(
      '/campaigns/:id/targets/preview',
      {
        schema: {
          tags: ['campaigns', 'contacts'],
          summary: 'Preview who the current target reaches: {count, sample}',
          description:
            'Ages are whole years on `on` (default: today in the schedule\'s zone, UTC without a schedule), the day ' +
            'the audience freeze would use if the campaign started now. `sample` is a keyset page in id order ' +
            '(`limit`, `cursor`). 409 when the campaign has no target yet.',
          params: uuidParam,
          querystring: z
            .object({
              limit: z.coerce.number().int().min(0).max(200).default(20),
              cursor: z.string().max(500).optional(),
              // z.iso.date keeps `format: date` in the OpenAPI document; it takes year 0000 too.
              on: z.iso
                .date({ message: `must be ${INPUT_DATE_RULE}` })
                .refine((v) => parseInputDate(v) !== null, `must be ${INPUT_DATE_RULE}`)
                .optional(),
            })
            .strict(),
        },
      },
      async (req) => {
        const after = decodeCursor(req.query.cursor, isIdCursor);
        const p = await deps.preview.preview(req.tenantId, req.params.id, {
          limit: req.query.limit,
          afterId: after?.id,
          onDate: req.query.on,
        });
        return {
          count: p.count,
          onDate: p.onDate,
          timeZone: p.timeZone,
          sample: p.sample,
          nextCursor: encodeCursor(p.nextAfterId ? { id: p.nextAfterId } : null),
        };
      },
    );
  };
}

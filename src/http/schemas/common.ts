import { z } from 'zod';

// Shared request pieces. Objects are strict: an unknown field is a 400 naming it, because a
// misspelt field silently ignored is a campaign sent with the wrong settings.

export const uuidParam = z.object({ id: z.uuid({ message: 'must be a UUID' }) }).strict();
export const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 phone number such as +4915112345678');
export const email = z.email({ message: 'must be an email address' }).max(254);

export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(500).optional(),
};

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    requestId: z.string().optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .passthrough()
  .meta({ id: 'Problem' });

/** `If-Match: "v7"` (or a bare 7) -> 7; absent -> null. */
export const ifMatchHeaders = z
  .object({ 'if-match': z.string().max(100).optional() })
  .passthrough();

import { z } from 'zod';
import { validationError } from '../../lib/errors.js';
import type { ContactInput, ContactNormalizer, RawContact } from '../../domain/contacts/index.js';

// Request shapes of the contacts API. zod checks structure (types, unknown fields, sizes); the
// contact normaliser checks values (email, E.164 phone, dates, gender), the same code the
// importers use, so an API body and a file row are judged alike.

const text = (max: number) => z.string().max(max).nullable().optional();

export const contactBody = z
  .object({
    externalId: text(255),
    firstName: text(200),
    lastName: text(200),
    email: text(320),
    phone: text(64),
    birthDate: text(32).describe('YYYY-MM-DD (other common spellings are read too)'),
    gender: text(20).describe('MALE, FEMALE, OTHER or UNKNOWN (M/F/... are read too)'),
    contactType: z.string().max(100).optional().describe('required'),
    tags: z.array(z.string().max(100)).max(100).optional(),
    address: z
      .object({
        line1: text(200),
        line2: text(200),
        city: text(200),
        region: text(200),
        postalCode: text(40),
        country: text(200),
      })
      .strict()
      .nullable()
      .optional(),
    attributes: z.record(z.string(), z.unknown()).optional().describe('free JSON for templates'),
    optOut: z
      .object({ call: z.boolean().optional(), email: z.boolean().optional(), whatsapp: z.boolean().optional(), mail: z.boolean().optional() })
      .strict()
      .optional(),
  })
  .strict()
  .meta({ id: 'ContactInput' });
export type ContactBody = z.infer<typeof contactBody>;

const oneOrMany = <T extends z.ZodType<string>>(item: T) =>
  z
    .union([item, z.array(item).max(50)])
    .optional()
    .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v]));

export const gender = z.enum(['MALE', 'FEMALE', 'OTHER', 'UNKNOWN']);

export const contactListQuery = {
  contactType: oneOrMany(z.string().min(1).max(100)),
  tag: oneOrMany(z.string().min(1).max(100)),
  gender: oneOrMany(gender),
  q: z.string().trim().min(1).max(200).optional(),
};

/** A body through the normaliser: a ContactInput, or a 400 naming every bad field. */
export function contactFromBody(normalizer: ContactNormalizer, body: ContactBody): ContactInput {
  const raw: RawContact = { ...body, attributes: body.attributes ?? null, address: body.address ?? null };
  const { contact, errors } = normalizer.normalize(raw);
  if (!contact) {
    throw validationError(
      errors.map((e) => ({ field: e.field, message: e.reason })),
      `The contact has invalid fields: ${errors.map((e) => `${e.field}: ${e.reason}`).join('; ')}`,
    );
  }
  return contact;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Keyset cursor of contact pages: the last id seen. */
export const isIdCursor = (v: Record<string, unknown>): v is { id: string } => typeof v.id === 'string' && UUID.test(v.id);

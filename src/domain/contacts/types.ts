// Shapes of a contact on its way in. Everything here is plain data: the importers (CSV, vCard)
// and the HTTP layer produce a RawContact, the normaliser turns it into a ContactInput that the
// SQL layer can store as is. No database type leaks in here.

export type Gender = 'MALE' | 'FEMALE' | 'OTHER' | 'UNKNOWN';

export type ChannelName = 'call' | 'email' | 'whatsapp' | 'mail';

export const CHANNEL_NAMES: readonly ChannelName[] = ['call', 'email', 'whatsapp', 'mail'];

export interface Address {
  line1: string | null;
  line2: string | null;
  city: string | null;
  region: string | null;
  postalCode: string | null;
  country: string | null;
}

/** A contact normalised and ready to store. */
export interface ContactInput {
  externalId: string | null;
  firstName: string | null;
  lastName: string | null;
  /** Trimmed and lower-cased. */
  email: string | null;
  /** E.164, e.g. +12125550123. */
  phone: string | null;
  /** YYYY-MM-DD; a birthday without a year lives in attributes.birthdayNoYear instead. */
  birthDate: string | null;
  gender: Gender | null;
  contactType: string;
  /** Trimmed, deduplicated case-insensitively (first spelling kept), empty ones dropped. */
  tags: string[];
  address: Address | null;
  attributes: Record<string, unknown>;
  optOut: Partial<Record<ChannelName, boolean>>;
}

/** A problem with one record of an import; `line` is the physical line where the record starts. */
export interface RowError {
  line: number;
  field: string;
  reason: string;
}

/** A problem with one field of one contact, before it is tied to a line. */
export interface FieldProblem {
  field: string;
  reason: string;
}

type RawValue = string | null | undefined;

/**
 * The loose record both the API body and the importers produce: strings as typed or exported,
 * nothing validated yet. `fullName` is only used when neither first nor last name is given
 * (vCard FN, a CSV "Name" column).
 */
export interface RawContact {
  externalId?: RawValue;
  firstName?: RawValue;
  lastName?: RawValue;
  fullName?: RawValue;
  email?: RawValue;
  phone?: RawValue;
  birthDate?: RawValue;
  gender?: RawValue;
  contactType?: RawValue;
  /** A list, or one string with tags separated by `,` `;` `|` or ` ::: `. */
  tags?: string | readonly string[] | null;
  address?: Partial<Record<keyof Address, RawValue>> | null;
  attributes?: Record<string, unknown> | null;
  /** true/false, or the usual spellings (yes/no, 1/0, x, ...). */
  optOut?: Partial<Record<ChannelName, boolean | RawValue>> | null;
}

/** One record of an import: a contact when it was valid, otherwise the reasons it was not. */
export interface ParsedRow {
  line: number;
  contact?: ContactInput;
  errors: RowError[];
}

/** What the importers need from the normaliser (see normalize.ts). */
export interface ContactNormalizer {
  normalize(raw: RawContact): { contact?: ContactInput; errors: FieldProblem[] };
}

/** Anything a file upload can arrive as: a Node stream or any async iterable of chunks. */
export type TextSource = AsyncIterable<Buffer | Uint8Array | string> | NodeJS.ReadableStream;

export interface ImportOptions {
  normalizer: ContactNormalizer;
}

// From the loose record an import or an API body gives us to a ContactInput the store can take
// as is. Every problem of a record is reported at once (an operator fixing a file wants the whole
// list), and a record with any problem yields no contact: half a contact is worse than none,
// because the next import would not know which half to trust.
import type { CountryCode } from 'libphonenumber-js/core';
import { AppError } from '../../lib/errors.js';
import { systemClock, type Clock } from '../../lib/clock.js';
import { isKnownRegion, makePhoneNormalizer, normalizeEmail } from './email-phone.js';
import { parseBirthDate, slashOrderFor, type SlashDateOrder } from './birth-date.js';
import { cleanText, normalizeTags, parseFlag, parseGender } from './field-values.js';
import {
  CHANNEL_NAMES,
  type Address,
  type ContactInput,
  type ContactNormalizer,
  type FieldProblem,
  type RawContact,
} from './types.js';

export { normalizeEmail, normalizePhone } from './email-phone.js';
export { normalizeTags } from './field-values.js';

export interface ContactNormalizerOptions {
  /** Region whose rules read national phone numbers, e.g. 'US': "(212) 555-0123". */
  defaultRegion: CountryCode;
  /** Used when a record names no contact type (an import for one audience). */
  defaultContactType?: string;
  /** The reason given when a record has no contact type and there is no default (says how to give one). */
  missingContactType?: string;
  /** How to read 05/01/1990; by default month first for US-style regions (see birth-date.ts). */
  slashDateOrder?: SlashDateOrder;
  /** "Today" for the future-birth-date check. */
  clock?: Clock;
}

// Column limits of the store; checked here so a long value is a row error, not a failed insert.
const MAX_ID = 255;
const MAX_NAME = 200;
const MAX_TYPE = 100;
const MAX_TAG = 100;
const MAX_TAGS = 100;

// Earliest zone on Earth is UTC+14: until it is tomorrow nowhere, a birth date of "tomorrow" is
// a typo, while someone born today in Kiribati is still accepted.
const EARLIEST_OFFSET_MS = 14 * 3600_000;

const show = (v: string) => JSON.stringify(v.length > 80 ? `${v.slice(0, 77)}...` : v);
const problem = (errors: FieldProblem[], field: string, reason: string) => errors.push({ field, reason });

export function makeContactNormalizer(opts: ContactNormalizerOptions): ContactNormalizer {
  if (!isKnownRegion(opts.defaultRegion)) {
    throw new AppError('validation', `Unknown phone region ${opts.defaultRegion}`, {
      fields: [{ field: 'defaultRegion', message: 'must be an ISO 3166-1 alpha-2 country code' }],
    });
  }
  const region = opts.defaultRegion;
  const slashOrder = opts.slashDateOrder ?? slashOrderFor(region);
  const defaultType = cleanText(opts.defaultContactType);
  const clock = opts.clock ?? systemClock;
  const normalizePhone = makePhoneNormalizer();

  function limited(field: string, value: string | null, max: number, errors: FieldProblem[]) {
    if (value !== null && value.length > max) errors.push({ field, reason: `longer than ${max} characters` });
    return value;
  }

  function normalizeAddress(raw: RawContact['address'], errors: FieldProblem[]): Address | null {
    if (!raw) return null;
    const address: Address = {
      line1: limited('address.line1', cleanText(raw.line1), MAX_NAME, errors),
      line2: limited('address.line2', cleanText(raw.line2), MAX_NAME, errors),
      city: limited('address.city', cleanText(raw.city), MAX_NAME, errors),
      region: limited('address.region', cleanText(raw.region), MAX_NAME, errors),
      postalCode: limited('address.postalCode', cleanText(raw.postalCode), 40, errors),
      country: limited('address.country', cleanText(raw.country), MAX_NAME, errors),
    };
    // "us" and "US" are the same country; longer names ("United States") are kept as written.
    if (address.country !== null && /^[a-z]{2}$/i.test(address.country)) {
      address.country = address.country.toUpperCase();
    }
    return Object.values(address).some((v) => v !== null) ? address : null;
  }

  function normalize(raw: RawContact): { contact?: ContactInput; errors: FieldProblem[] } {
    const errors: FieldProblem[] = [];
    const attributes: Record<string, unknown> = { ...(raw.attributes ?? {}) };

    const externalId = limited('externalId', cleanText(raw.externalId), MAX_ID, errors);

    let firstName = cleanText(raw.firstName);
    let lastName = cleanText(raw.lastName);
    const fullName = firstName === null && lastName === null ? cleanText(raw.fullName) : null;
    if (fullName !== null) {
      // "Mary Ann Smith": the last word is the family name; good enough for a salutation.
      const space = fullName.lastIndexOf(' ');
      firstName = space < 0 ? fullName : fullName.slice(0, space).trim();
      lastName = space < 0 ? null : fullName.slice(space + 1);
    }
    limited('firstName', firstName, MAX_NAME, errors);
    limited('lastName', lastName, MAX_NAME, errors);

    let email: string | null = null;
    const emailText = cleanText(raw.email);
    if (emailText !== null) {
      email = normalizeEmail(emailText);
      if (email === null) problem(errors, 'email', `${show(emailText)} is not a valid email address`);
    }

    let phone: string | null = null;
    const phoneText = cleanText(raw.phone);
    if (phoneText !== null) {
      phone = normalizePhone(phoneText, region);
      if (phone === null) problem(errors, 'phone', `${show(phoneText)} is not a valid phone number`);
    }

    let birthDate: string | null = null;
    const birthText = cleanText(raw.birthDate);
    if (birthText !== null) {
      const today = new Date(clock.now().getTime() + EARLIEST_OFFSET_MS).toISOString().slice(0, 10);
      const result = parseBirthDate(birthText, { today, slashOrder });
      if ('error' in result) errors.push({ field: 'birthDate', reason: result.error });
      else {
        birthDate = result.value;
        if (result.noYear !== undefined) attributes.birthdayNoYear = result.noYear;
      }
    }

    const genderText = cleanText(raw.gender);
    const gender = genderText === null ? undefined : parseGender(genderText);
    if (gender === null) {
      const reason = `${show(genderText ?? '')} is not a gender (use MALE, FEMALE, OTHER or UNKNOWN)`;
      problem(errors, 'gender', reason);
    }

    const contactType = cleanText(raw.contactType) ?? defaultType;
    if (contactType === null) errors.push({ field: 'contactType', reason: opts.missingContactType ?? 'contactType is required' });
    else limited('contactType', contactType, MAX_TYPE, errors);

    const tags = normalizeTags(raw.tags);
    if (tags.length > MAX_TAGS) errors.push({ field: 'tags', reason: `more than ${MAX_TAGS} tags` });
    const longTag = tags.find((t) => t.length > MAX_TAG);
    if (longTag !== undefined) {
      problem(errors, 'tags', `tag ${show(longTag)} is longer than ${MAX_TAG} characters`);
    }

    const address = normalizeAddress(raw.address, errors);

    const optOut: ContactInput['optOut'] = {};
    for (const channel of CHANNEL_NAMES) {
      const value = raw.optOut?.[channel];
      if (value === undefined) continue;
      const flag = parseFlag(value);
      if (flag === undefined) problem(errors, `optOut.${channel}`, `${show(String(value))} is not yes or no`);
      else optOut[channel] = flag;
    }

    // Without one of these a re-import could not find the contact again: it would duplicate it.
    if (externalId === null && emailText === null && phoneText === null) {
      errors.push({ field: 'email', reason: 'a contact needs an externalId, email or phone' });
    }

    if (errors.length > 0) return { errors };
    return {
      contact: {
        externalId,
        firstName,
        lastName,
        email,
        phone,
        birthDate,
        gender: gender ?? null,
        contactType: contactType as string,
        tags,
        address,
        attributes,
        optOut,
      },
      errors,
    };
  }

  return { normalize };
}

/**
 * The key a re-import matches an existing contact on: the external id when there is one (the
 * source system's own identity), else the email, else the phone. Throws for a contact with none
 * of them, which the normaliser never produces.
 */
export function identityKey(c: Pick<ContactInput, 'externalId' | 'email' | 'phone'>): string {
  if (c.externalId !== null) return `x:${c.externalId}`;
  if (c.email !== null) return `e:${c.email}`;
  if (c.phone !== null) return `p:${c.phone}`;
  throw new TypeError('a contact needs an externalId, email or phone');
}

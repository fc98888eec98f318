// Email and phone normalisation: the two identities a contact is reached through.
//
// Phones: every number is checked with libphonenumber's full ("max") metadata, i.e. it must fall
// in a range its country assigns (fixed line, mobile, ...), not merely have a plausible length:
// a call or WhatsApp provider rejects the rest anyway, and an import should say so up front.
// Parsing free text through the library costs ~12 µs a number, which alone would cap an import
// near 80k rows/s; most files already carry E.164 numbers, and those take a fast path with the
// same answers (phone-validity.ts).
import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/max/metadata';
import { makeE164Validator } from './phone-validity.js';

// Whitespace JS trim() misses but copy-pasted addresses carry (zero-width spaces, word joiner).
const INVISIBLE = /[\u200B-\u200D\u2060\uFEFF]/g;

// Reasonable, not RFC 5322: dot-atom local part, a domain of LDH labels (Unicode letters
// allowed for IDNs) and a TLD of letters or an A-label. Quoted local parts, IP literals and
// comments are refused on purpose: no mail provider we send through accepts them.
const EMAIL = new RegExp(
  "^[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\\.[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~-]+)*" +
    '@(?:[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]{0,61}[\\p{L}\\p{N}])?\\.)+' +
    '(?:\\p{L}{2,63}|xn--[a-z0-9-]{1,59})$',
  'u',
);

/** Trims, drops `mailto:` and a `Name <addr>` wrapper, lower-cases; null when empty or invalid. */
export function normalizeEmail(raw: string): string | null {
  let text = raw.replace(INVISIBLE, '').trim();
  if (text === '') return null;
  const angle = /<([^<>]+)>$/.exec(text);
  if (angle) text = angle[1].trim();
  if (/^mailto:/i.test(text)) text = text.slice(7).trim();
  text = text.toLowerCase();
  if (text.length > 254) return null;
  const at = text.lastIndexOf('@');
  if (at < 1 || at > 64) return null;
  return EMAIL.test(text) ? text : null;
}

const E164_SHAPE = /^\+[1-9]\d{6,14}$/;
// Separators people and exporters put inside numbers; removing them lets "+1 212-555-0123" use
// the fast path too. Anything else (letters, "ext") goes through the full parser.
const NUMBER_PUNCTUATION = /[\s().\-/\u00A0]/g;

function parseWithLibrary(text: string, region: CountryCode): string | null {
  const parsed = parsePhoneNumberFromString(text, { defaultCountry: region }, metadata);
  return parsed !== undefined && parsed.isValid() ? parsed.number : null;
}

/**
 * A phone number as E.164 (the extension, if any, is dropped: no channel can dial it), or null
 * when it is empty or not a valid number. National forms are read with `region`'s rules.
 * One-off use; the normaliser uses makePhoneNormalizer(), which gives the same answers faster.
 */
export function normalizePhone(raw: string, region: CountryCode): string | null {
  const text = raw.replace(INVISIBLE, '').trim();
  return text === '' ? null : parseWithLibrary(text, region);
}

/**
 * normalizePhone with compiled patterns kept between calls (see phone-validity.ts): numbers
 * already in E.164 form skip the text parser and the per-call pattern compilation.
 */
export function makePhoneNormalizer(): (raw: string, region: CountryCode) => string | null {
  const validator = makeE164Validator(metadata);
  return (raw, region) => {
    const text = raw.replace(INVISIBLE, '').trim();
    if (text === '') return null;
    const compact = text.replace(NUMBER_PUNCTUATION, '');
    if (validator !== null && E164_SHAPE.test(compact)) {
      const valid = validator.check(compact);
      if (valid !== undefined) return valid ? compact : null;
    }
    return parseWithLibrary(text, region);
  };
}

/** What a region setting must be, for the messages that refuse one (config, import option). */
export const REGION_RULE = 'must be an ISO 3166-1 alpha-2 country code the phone-number rules know, such as US or DE';

/** Whether `region` is a country libphonenumber knows (guards the normaliser's options). */
export function isKnownRegion(region: string): region is CountryCode {
  return isSupportedCountry(region as CountryCode, metadata);
}

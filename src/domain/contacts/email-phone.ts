// Email and phone normalisation: the two identities a contact is reached through.
//
// Phones: every number ends up checked with libphonenumber's full ("max") metadata, i.e. the
// number must fall in a range its country assigns (fixed line, mobile, ...), not merely have a
// plausible length, because a call or WhatsApp provider rejects the rest anyway and we would
// rather say so at import time. Parsing free text through libphonenumber costs ~12 µs a number,
// which alone would cap an import at ~80k rows/s; most files already carry E.164 numbers, so
// those skip the text parser and go straight to the validity check (~5 µs).
import {
  PhoneNumber,
  isSupportedCountry,
  parsePhoneNumberFromString,
  type CountryCode,
  type E164Number,
} from 'libphonenumber-js/core';
import metadata from 'libphonenumber-js/max/metadata';

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

/**
 * A phone number as E.164 (the extension, if any, is dropped: no channel can dial it), or null
 * when it is empty or not a valid number. National forms are read with `region`'s rules.
 */
export function normalizePhone(raw: string, region: CountryCode): string | null {
  const text = raw.replace(INVISIBLE, '').trim();
  if (text === '') return null;
  const compact = text.replace(NUMBER_PUNCTUATION, '');
  if (E164_SHAPE.test(compact)) {
    try {
      const number = new PhoneNumber(compact as E164Number, metadata);
      return number.isValid() ? number.number : null;
    } catch {
      return null; // unknown country calling code
    }
  }
  const parsed = parsePhoneNumberFromString(text, { defaultCountry: region }, metadata);
  return parsed !== undefined && parsed.isValid() ? parsed.number : null;
}

/** Whether `region` is a country libphonenumber knows (guards the normaliser's options). */
export function isKnownRegion(region: string): region is CountryCode {
  return isSupportedCountry(region as CountryCode, metadata);
}

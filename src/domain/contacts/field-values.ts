// Small value parsers shared by the normaliser and the importers: tags, gender, yes/no flags.
import type { Gender } from './types.js';

// Google joins several values of one cell with " ::: "; spreadsheets use , ; or |.
const TAG_SEPARATORS = / ::: |[,;|]/;

/** Splits one cell of tags into its parts (not yet trimmed or deduplicated). */
export function splitTagText(text: string): string[] {
  return text.split(TAG_SEPARATORS);
}

/**
 * Trims, drops empty ones, deduplicates case-insensitively keeping the first spelling, so
 * "VIP, vip , Vip" stores one "VIP" and targeting (case-insensitive) matches it either way.
 * A single string is split on the usual separators first.
 */
export function normalizeTags(list: string | readonly string[] | null | undefined): string[] {
  if (list === null || list === undefined) return [];
  const parts = typeof list === 'string' ? splitTagText(list) : list;
  const seen = new Set<string>();
  const tags: string[] = [];
  for (const part of parts) {
    const tag = part.trim();
    if (tag === '') continue;
    const key = tag.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    tags.push(tag);
  }
  return tags;
}

/**
 * Google's built-in groups ("* myContacts", "* starred", old "System Group: My Contacts") say
 * how Google files the contact, not who the contact is; they would only pollute targeting.
 */
export function isSystemGroup(tag: string): boolean {
  const t = tag.trim();
  const first = t.charCodeAt(0);
  if (first === 42) return t.charCodeAt(1) === 32; // "* "
  return (first === 83 || first === 115) && /^system group:/i.test(t); // S or s: cheap pre-check
}

// Keys are lower-cased with spaces, dots, dashes, underscores and slashes removed.
const SPELLINGS: Record<Gender, string[]> = {
  MALE: ['m', 'male', 'man', 'men', 'masculine', 'masculino', 'masculin', 'männlich', 'maennlich',
    'mann', 'homme', 'hombre', 'h'],
  FEMALE: ['f', 'female', 'woman', 'women', 'feminine', 'femenino', 'féminin', 'feminin', 'weiblich',
    'frau', 'w', 'femme', 'mujer'],
  OTHER: ['o', 'other', 'x', 'nonbinary', 'nb', 'enby', 'genderqueer', 'agender', 'genderfluid',
    'diverse', 'divers', 'd', 'intersex', 'another', 'custom'],
  UNKNOWN: ['u', 'unknown', 'n', 'none', 'na', 'unspecified', 'notspecified', 'prefernottosay',
    'rathernotsay', 'prefernottoanswer', 'declined', 'notknown'],
};
const GENDERS: ReadonlyMap<string, Gender> = new Map(
  (Object.entries(SPELLINGS) as [Gender, string[]][]).flatMap(([gender, words]) =>
    words.map((word) => [word, gender] as const),
  ),
);

const GENDER_NOISE = /[\s._\-/]/g;

/**
 * Reads the usual spellings (m/f/male/female/w/x/non-binary/diverse/..., and vCard's M F O N U).
 * Returns undefined for an empty value and null for one it cannot read.
 */
export function parseGender(raw: string): Gender | null | undefined {
  const key = raw.toLowerCase().replace(GENDER_NOISE, '');
  if (key === '') return undefined;
  return GENDERS.get(key) ?? null;
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'x', 'on', 't', 'ja', 'oui', 'si', 'sí']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'off', 'f', 'nein', 'non', '']);

/** A yes/no cell; undefined when it is neither (the caller reports it). */
export function parseFlag(raw: boolean | string | null | undefined): boolean | undefined {
  if (raw === null || raw === undefined) return false;
  if (typeof raw === 'boolean') return raw;
  const key = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(key)) return true;
  if (FALSE_WORDS.has(key)) return false;
  return undefined;
}

/** Trimmed text, or null when nothing is left. */
export function cleanText(raw: string | null | undefined): string | null {
  if (raw === null || raw === undefined) return null;
  const text = raw.trim();
  return text === '' ? null : text;
}

// The pure contacts API other layers use: normalising one contact, streaming imports (CSV,
// vCard), format detection and the age rule targeting shares with SQL. No database in here.
export * from './types.js';
export {
  makeContactNormalizer,
  identityKey,
  normalizeEmail,
  normalizePhone,
  normalizeTags,
  type ContactNormalizerOptions,
} from './normalize.js';
export type { SlashDateOrder } from './birth-date.js';
export { parseContactsCsv } from './csv-import.js';
export { parseContactsVcard } from './vcard-import.js';
export { detectContactFormat, type ContactFormat } from './detect.js';
export { ageOn } from './age.js';

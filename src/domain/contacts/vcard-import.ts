// Streaming vCard import (2.1, 3.0, 4.0): one ParsedRow per BEGIN:VCARD ... END:VCARD, `line`
// being the line of its BEGIN:VCARD. Only the card being read is held in memory.
//
// Mapping: UID → externalId; N → last/first name (FN when there is no N); EMAIL/TEL/ADR → the
// preferred one (TYPE=pref or PREF=n, lowest n first), else the first, with the other emails and
// phones kept in attributes.otherEmails/otherPhones; BDAY → birthDate (VALUE=text such as
// "circa 1800" goes to attributes.birthdayText); CATEGORIES → tags; GENDER (sex part) → gender,
// its free-text identity part → attributes.genderIdentity; NOTE, ORG, TITLE, ROLE, NICKNAME, URL
// → attributes; X-CONTACT-TYPE → contactType. PHOTO, LOGO, SOUND and KEY are dropped unread:
// they are large and no channel uses them.
import { fileError, toParsedRow, unreadableRow } from './import-rows.js';
import { decodeTextChunks } from './text-chunks.js';
import {
  makeLineUnfolder,
  parseProperty,
  splitEscaped,
  unescapeText,
  type LogicalLine,
  type VcardProperty,
} from './vcard-lines.js';
import type { ImportOptions, ParsedRow, RawContact, TextSource } from './types.js';

interface Card {
  line: number;
  props: VcardProperty[];
}

const IGNORED = new Set(['PHOTO', 'LOGO', 'SOUND', 'KEY']);
const ATTRIBUTE_PROPS: Record<string, string> = {
  NOTE: 'note',
  TITLE: 'title',
  ROLE: 'role',
  NICKNAME: 'nickname',
  URL: 'url',
};
// More properties than this in one card means a broken file (e.g. a missing END:VCARD).
const MAX_PROPS = 5000;
const NOT_PREFERRED = 1000;

/** Lower is more preferred: PREF=1 (4.0) or TYPE=pref (2.1/3.0); unmarked ones come last. */
function rank(prop: VcardProperty): number {
  const pref = Number(prop.params.get('PREF')?.[0]);
  if (Number.isInteger(pref) && pref >= 1) return pref;
  return prop.types.includes('pref') ? 1 : NOT_PREFERRED;
}

/** The preferred value first (ties keep document order), then the others. */
function byPreference<T>(items: { rank: number; value: T }[]): T[] {
  return items
    .map((item, order) => ({ ...item, order }))
    .sort((a, b) => a.rank - b.rank || a.order - b.order)
    .map((item) => item.value);
}

const components = (prop: VcardProperty) =>
  splitEscaped(prop.value, ';').map((c) =>
    splitEscaped(c, ',').map((v) => unescapeText(v).trim()).filter((v) => v !== '').join(' '),
  );

function phoneValue(prop: VcardProperty): string {
  const value = unescapeText(prop.value).trim();
  // 4.0 "tel:+1-555-555-0100;ext=102": the URI's parameters are not part of the number.
  if (/^tel:/i.test(value)) return value.slice(4).split(';')[0];
  return value;
}

export function cardToRaw(props: readonly VcardProperty[]): RawContact {
  const raw: RawContact = {};
  const attributes: Record<string, unknown> = {};
  const emails: { rank: number; value: string }[] = [];
  const phones: { rank: number; value: string }[] = [];
  const addresses: { rank: number; value: string[] }[] = [];
  const tags: string[] = [];
  const text = (prop: VcardProperty) => unescapeText(prop.value).trim();

  for (const prop of props) {
    switch (prop.name) {
      case 'UID':
        raw.externalId ??= text(prop);
        break;
      case 'N': {
        if (raw.lastName !== undefined || raw.firstName !== undefined) break;
        const [family = '', given = '', middle = '', prefix = '', suffix = ''] = components(prop);
        raw.lastName = family;
        raw.firstName = given;
        if (middle) attributes.middleName = middle;
        if (prefix) attributes.namePrefix = prefix;
        if (suffix) attributes.nameSuffix = suffix;
        break;
      }
      case 'FN':
        raw.fullName ??= text(prop);
        break;
      case 'EMAIL':
        emails.push({ rank: rank(prop), value: text(prop).replace(/^mailto:/i, '') });
        break;
      case 'TEL':
        phones.push({ rank: rank(prop), value: phoneValue(prop) });
        break;
      case 'ADR':
        addresses.push({ rank: rank(prop), value: components(prop) });
        break;
      case 'BDAY':
        if (prop.params.get('VALUE')?.[0]?.toLowerCase() === 'text') attributes.birthdayText = text(prop);
        else raw.birthDate ??= text(prop);
        break;
      case 'CATEGORIES':
        for (const tag of splitEscaped(prop.value, ',')) tags.push(unescapeText(tag));
        break;
      case 'GENDER':
      case 'X-GENDER': {
        const [sex = '', identity = ''] = splitEscaped(prop.value, ';').map((c) => unescapeText(c).trim());
        raw.gender ??= sex;
        if (identity) attributes.genderIdentity = identity;
        break;
      }
      case 'ORG': {
        const org = components(prop).filter((c) => c !== '').join(', ');
        if (org) attributes.organization = org;
        break;
      }
      case 'X-CONTACT-TYPE':
        raw.contactType ??= text(prop);
        break;
      default: {
        const key = ATTRIBUTE_PROPS[prop.name];
        if (key !== undefined && text(prop) !== '') attributes[key] ??= text(prop);
      }
    }
  }

  const emailList = byPreference(emails).filter((e) => e !== '');
  if (emailList.length > 0) raw.email = emailList[0];
  if (emailList.length > 1) attributes.otherEmails = emailList.slice(1);
  const phoneList = byPreference(phones).filter((p) => p !== '');
  if (phoneList.length > 0) raw.phone = phoneList[0];
  if (phoneList.length > 1) attributes.otherPhones = phoneList.slice(1);
  const [adr] = byPreference(addresses);
  if (adr !== undefined) {
    // ADR: PO box; extended address; street; locality; region; postal code; country
    const [poBox = '', extended = '', street = '', city = '', region = '', postalCode = '', country = ''] =
      adr;
    raw.address = {
      line1: street.replace(/\s*\n\s*/g, ', '),
      line2: [extended, poBox && `PO Box ${poBox}`].filter((p) => p !== '').join(', '),
      city,
      region,
      postalCode,
      country,
    };
  }
  if (tags.length > 0) raw.tags = tags;
  raw.attributes = attributes;
  return raw;
}

export async function* parseContactsVcard(
  input: TextSource,
  opts: ImportOptions,
): AsyncGenerator<ParsedRow, void, undefined> {
  const unfolder = makeLineUnfolder();
  const lines: LogicalLine[] = [];
  let card: Card | null = null;
  let cardsSeen = 0;

  const toRow = (done: Card) => toParsedRow(opts.normalizer, done.line, cardToRaw(done.props));
  const unfinished = (broken: Card) => unreadableRow(broken.line, 'the card has no END:VCARD');

  // Returns the row a logical line completes, if any.
  function feed(logical: LogicalLine): ParsedRow[] {
    const upper = logical.text.trim().toUpperCase();
    if (upper === 'BEGIN:VCARD') {
      const broken = card;
      card = { line: logical.line, props: [] };
      cardsSeen++;
      return broken === null ? [] : [unfinished(broken)];
    }
    if (card === null) return []; // text between cards
    if (upper === 'END:VCARD') {
      const done = card;
      card = null;
      return [toRow(done)];
    }
    const prop = parseProperty(logical.text);
    if (prop === null || IGNORED.has(prop.name)) return [];
    if (card.props.length >= MAX_PROPS) {
      const broken = card;
      card = null;
      return [unfinished(broken)];
    }
    card.props.push(prop);
    return [];
  }

  for await (const text of decodeTextChunks(input)) {
    unfolder.push(text, lines);
    for (const logical of lines) yield* feed(logical);
    lines.length = 0;
  }
  unfolder.end(lines);
  for (const logical of lines) yield* feed(logical);
  if (card !== null) yield unfinished(card);
  if (cardsSeen === 0) throw fileError('the file has no BEGIN:VCARD');
}

import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors.js';
import { collect, fixtureStream, inPieces, testNormalizer } from '../../../test/fixtures/contacts/helpers.js';
import { parseContactsVcard } from './vcard-import.js';

const normalizer = testNormalizer();
const parse = (text: string, chunk = 4) => collect(parseContactsVcard(inPieces(text, chunk), { normalizer }));

describe('parseContactsVcard', () => {
  it('reads vCard 3.0 with folded lines, two phones and escapes', async () => {
    const rows = await collect(parseContactsVcard(fixtureStream('vcard-3.vcf', 5), { normalizer }));
    expect(rows.map((r) => r.line)).toEqual([1, 18, 29]);
    const [ada, grace, broken] = rows;
    expect(ada.errors).toEqual([]);
    expect(ada.contact).toEqual({
      externalId: '4fbe8971-0bc3-424c-9c26-36c3e1eff6b1',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      phone: '+13105550142', // TYPE=CELL,PREF wins over the first TEL
      birthDate: '1985-12-10',
      gender: null,
      contactType: 'customer',
      tags: ['VIP', 'Engines, Inc.', 'newsletter'],
      address: { line1: '12 Analytical Row', line2: 'Apt 3', city: 'New York', region: 'NY', postalCode: '10001', country: 'US' },
      attributes: {
        middleName: 'Augusta',
        namePrefix: 'Countess',
        otherPhones: ['+1 212 555 0123'],
        note:
          'This note is long enough that the exporter folded it over more than one physical line, as RFC 2425 requires.\n' +
          'Second line; with a semicolon.',
      },
      optOut: {},
    });
    // folded inside the address itself; no PREF, so the first TEL is primary
    expect(grace.contact).toMatchObject({
      email: 'grace.hopper@example.com',
      phone: '+12025550173',
      birthDate: null,
      attributes: { otherPhones: ['+1 617 555 0100'], birthdayNoYear: '--12-09' },
    });
    expect(broken).toEqual({ line: 29, errors: [{ line: 29, field: 'email', reason: '"not-an-email" is not a valid email address' }] });
  });

  it('reads vCard 4.0 with TYPE lists, PREF and tel: URIs', async () => {
    const rows = await collect(parseContactsVcard(fixtureStream('vcard-4.vcf', 3), { normalizer }));
    expect(rows.map((r) => [r.line, r.errors])).toEqual([
      [1, []],
      [16, []],
    ]);
    const [katherine, mary] = rows.map((r) => r.contact);
    expect(katherine).toEqual({
      externalId: 'urn:uuid:9a1b3c5d-1111-4222-8333-944455556666',
      firstName: 'Katherine',
      lastName: 'Johnson',
      email: 'kj@example.com', // PREF=1
      phone: '+12025550173', // PREF=1, ";ext=102" dropped
      birthDate: '1918-08-26',
      gender: 'FEMALE',
      contactType: 'partner', // X-CONTACT-TYPE
      tags: ['Math', 'NASA'],
      address: { line1: '1 Langley Blvd', line2: null, city: 'Hampton', region: 'VA', postalCode: '23681', country: 'USA' },
      attributes: { middleName: 'Coleman Goble', otherEmails: ['katherine@nasa.example.gov'], otherPhones: ['+1-617-555-0100'] },
      optOut: {},
    });
    expect(mary).toMatchObject({
      firstName: 'Mary',
      lastName: 'Jackson', // from FN: no N property
      phone: '+12125550199',
      gender: null,
      birthDate: null,
      attributes: { genderIdentity: 'woman engineer', birthdayText: 'circa 1921' },
    });
  });

  it('gives the same rows whatever the chunking, CRLF or LF', async () => {
    const text = 'BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A B\r\nEMAIL:a@exam\r\n ple.com\r\nEND:VCARD\r\n';
    const whole = await parse(text, 1000);
    expect(whole[0].contact?.email).toBe('a@example.com');
    for (const size of [1, 2, 3, 7]) expect(await parse(text, size)).toEqual(whole);
    expect(await parse(text.replace(/\r\n/g, '\n'), 2)).toEqual(whole);
  });

  it('decodes 2.1 quoted-printable values with soft line breaks', async () => {
    const text = [
      'BEGIN:VCARD',
      'VERSION:2.1',
      'N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:M=C3=BCller;J=C3=BCrgen;;;',
      'TEL;CELL;PREF:+49 151 23456789',
      'TEL;HOME:+49 30 123456',
      'NOTE;ENCODING=QUOTED-PRINTABLE:Erste Zeile=0D=0Azweite Zeile, sehr lang und daher=',
      ' umbrochen',
      'END:VCARD',
      '',
    ].join('\r\n');
    const [row] = await parse(text, 5);
    expect(row.errors).toEqual([]);
    expect(row.contact).toMatchObject({
      firstName: 'Jürgen',
      lastName: 'Müller',
      phone: '+4915123456789',
      attributes: { otherPhones: ['+49 30 123456'], note: 'Erste Zeile\r\nzweite Zeile, sehr lang und daher umbrochen' },
    });
  });

  it('reports a card without END:VCARD on its BEGIN line and reads the next one', async () => {
    const rows = await parse('BEGIN:VCARD\nFN:Lost\nEMAIL:lost@example.com\nBEGIN:VCARD\nEMAIL:found@example.com\nEND:VCARD\nBEGIN:VCARD\nEMAIL:x@example.com\n');
    expect(rows.map((r) => [r.line, r.errors.map((e) => e.reason), r.contact?.email])).toEqual([
      [1, ['the card has no END:VCARD'], undefined],
      [4, [], 'found@example.com'],
      [7, ['the card has no END:VCARD'], undefined],
    ]);
  });

  it('refuses a file without any card', async () => {
    const error = await parse('email,phone\na@b.co,\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'validation', fields: [{ field: 'file', message: 'the file has no BEGIN:VCARD' }] });
  });
});

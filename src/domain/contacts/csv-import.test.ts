import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors.js';
import { collect, fixtureStream, inPieces, readFixture, testNormalizer } from '../../../test/fixtures/contacts/helpers.js';
import { parseContactsCsv } from './csv-import.js';
import { identityKey } from './normalize.js';

const normalizer = testNormalizer();
const parse = (data: string | Buffer, chunk = 5) => collect(parseContactsCsv(inPieces(data, chunk), { normalizer }));

describe('parseContactsCsv: exports of real tools', () => {
  it('reads an Excel "CSV UTF-8" export (BOM, semicolons, quoted semicolons, CRLF)', async () => {
    const rows = await collect(
      parseContactsCsv(fixtureStream('excel-utf8.csv'), { normalizer: testNormalizer({ defaultRegion: 'FR' }) }),
    );
    // line 4 is a row of empty cells (";;;;;;") and is skipped
    expect(rows.map((r) => r.line)).toEqual([2, 3, 5]);
    expect(rows.every((r) => r.errors.length === 0)).toBe(true);
    expect(rows[0].contact).toMatchObject({
      email: 'jean.dupont@example.fr',
      firstName: 'Jean',
      lastName: 'Dupont',
      phone: '+33612345678',
      birthDate: '1990-05-01',
      tags: ['VIP', 'Newsletter'],
      attributes: { Company: 'Dupont; Fils & Cie' },
    });
    expect(rows[1].contact).toMatchObject({ lastName: 'Müller', phone: '+4915123456789', birthDate: '1988-02-29', attributes: {} });
    expect(rows[2].contact).toMatchObject({ email: 'luc@example.fr', phone: '+33612345678', tags: ['Newsletter', 'vip'] });
    expect(rows[2].contact?.attributes).toEqual({ Company: 'Martin "&" Fils' });
  });

  it('reads a Google Contacts export (legacy layout, multi-line formatted address)', async () => {
    const rows = await collect(parseContactsCsv(fixtureStream('google-contacts.csv', 64), { normalizer }));
    // Ada's formatted address spans lines 2-5 and Alan's 7-9
    expect(rows.map((r) => r.line)).toEqual([2, 6, 7, 10]);
    const [ada, grace, alan, nobody] = rows;
    expect(ada.errors).toEqual([]);
    expect(ada.contact).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada.lovelace@example.com',
      phone: '+12125550123',
      birthDate: '1985-12-10',
      gender: 'FEMALE',
      tags: ['VIP', 'Newsletter'],
      address: { line1: '12 Analytical Row', line2: 'Apt 3', city: 'New York', region: 'NY', postalCode: '10001', country: 'US' },
    });
    expect(ada.contact?.attributes).toMatchObject({
      otherEmails: ['ada@work.example.org'],
      otherPhones: ['(310) 555-0142'],
      Notes: 'Prefers email',
      'Organization 1 - Name': 'Engines Inc.',
      'Address 1 - Formatted': '12 Analytical Row\nApt 3\nNew York, NY 10001\nUS',
    });
    expect(ada.contact?.attributes).not.toHaveProperty('Yomi Name'); // empty columns are not kept
    expect(grace.contact).toMatchObject({ email: 'grace@example.com', birthDate: null, tags: ['Navy'], attributes: { birthdayNoYear: '--12-09' } });
    expect(alan.contact).toMatchObject({ phone: '+447400123456', tags: [], address: { city: 'Milton Keynes', country: 'GB', region: null } });
    expect(nobody.contact).toBeUndefined();
    expect(nobody.errors).toEqual([{ line: 10, field: 'email', reason: 'a contact needs an externalId, email or phone' }]);
  });

  it('reads the current Google layout ("First Name", "Labels")', async () => {
    const rows = await collect(parseContactsCsv(fixtureStream('google-contacts-new.csv'), { normalizer }));
    expect(rows.map((r) => [r.line, r.contact?.phone, r.contact?.tags])).toEqual([
      [2, '+16175550100', ['Friends']],
      [3, '+12025550173', []],
    ]);
    expect(rows[0].contact).toMatchObject({ firstName: 'Katherine', lastName: 'Johnson', email: 'katherine@example.com', birthDate: '1918-08-26' });
  });

  it('reads Google custom fields by their label: contact type, opt-outs, other labels as attributes', async () => {
    const csv =
      'Given Name,E-mail 1 - Value,Custom Field 1 - Type,Custom Field 1 - Value,Custom Field 2 - Type,Custom Field 2 - Value,' +
      'Custom Field 3 - Label,Custom Field 3 - Value,Custom Field 4 - Value\r\n' +
      'Ada,ada@example.com,Contact Type,PARTNER,Email Opt-Out,yes,Plan,Gold,orphan\r\n' +
      'Alan,alan@example.com,Plan,Silver,,,Contact Type,LEAD,\r\n';
    const rows = await parse(csv, 7);
    expect(rows.map((r) => r.errors)).toEqual([[], []]);
    expect(rows[0].contact).toMatchObject({ contactType: 'PARTNER', optOut: { email: true }, attributes: { Plan: 'Gold', 'Custom Field 4 - Value': 'orphan' } });
    expect(rows[0].contact?.attributes).not.toHaveProperty('Custom Field 1 - Type');
    expect(rows[1].contact).toMatchObject({ contactType: 'LEAD', optOut: {}, attributes: { Plan: 'Silver' } });
  });

  it('reads an Outlook export (mobile phone first, home address whole, "0/0/00" birthdays)', async () => {
    const rows = await collect(parseContactsCsv(fixtureStream('outlook.csv', 100), { normalizer }));
    expect(rows.map((r) => r.errors)).toEqual([[], []]);
    const [margaret, annie] = rows.map((r) => r.contact);
    expect(margaret).toMatchObject({
      firstName: 'Margaret',
      email: 'margaret@example.com',
      phone: '+16175550100',
      birthDate: '1936-08-17',
      gender: 'FEMALE',
      tags: ['VIP', 'Customers'],
      address: { line1: '1 Apollo Way', line2: null, city: 'Boston', region: 'MA', postalCode: '02110', country: 'United States of America' },
    });
    expect(margaret?.attributes).toMatchObject({ otherPhones: ['(212) 555-0199'], 'Business Street': 'NASA Rd 1', 'Business City': 'Houston' });
    expect(annie).toMatchObject({
      gender: 'UNKNOWN',
      birthDate: null,
      phone: '+12025550173',
      address: { line1: '21000 Brookpark Rd', city: 'Cleveland', region: 'OH', postalCode: '44135' },
    });
  });
});

describe('parseContactsCsv: structure and line numbers', () => {
  const quoted = [
    'email,first_name,notes', // 1
    'a@example.com,Ann,"first line', // 2
    'second ""quoted"" line"', // 3
    'b@example.com,Bob,"x,y"', // 4
    '', // 5
    'c@example.com,Cy,"three', // 6
    '', // 7
    'lines"', // 8
    'bad-email,Dan,', // 9
    'e@example.com,Eve,after', // 10
  ];

  it.each([
    ['LF', '\n'],
    ['CRLF', '\r\n'],
  ])('keeps exact physical line numbers after quoted line breaks (%s)', async (_, eol) => {
    const rows = await parse(quoted.join(eol) + eol, 3);
    expect(rows.map((r) => r.line)).toEqual([2, 4, 6, 9, 10]);
    expect(rows[0].contact?.attributes).toEqual({ notes: `first line${eol}second "quoted" line` });
    expect(rows[1].contact?.attributes).toEqual({ notes: 'x,y' });
    expect(rows[3]).toEqual({ line: 9, errors: [{ line: 9, field: 'email', reason: '"bad-email" is not a valid email address' }] });
    expect(rows[4].contact?.email).toBe('e@example.com');
  });

  it('reports an invalid email on its line and parses the others', async () => {
    const text = [
      'email,first_name,phone',
      'a@example.com,Ann,',
      'b@example.com,Bob,+12125550123',
      'c@example.com,Cy,',
      'd@example.com,Dee,',
      'not-an-email,Eve,',
      'f@example.com,Fay,',
    ].join('\n');
    const rows = await parse(text);
    const failed = rows.filter((r) => r.errors.length > 0);
    expect(failed).toEqual([{ line: 6, errors: [{ line: 6, field: 'email', reason: '"not-an-email" is not a valid email address' }] }]);
    expect(rows.filter((r) => r.contact).map((r) => r.contact?.firstName)).toEqual(['Ann', 'Bob', 'Cy', 'Dee', 'Fay']);
  });

  it('gives emails differing only in case and spaces one identity key', async () => {
    const rows = await parse('Email\n  John.Doe@Example.COM \njohn.doe@example.com\n"JOHN.DOE@EXAMPLE.COM\t"\n');
    const keys = rows.map((r) => identityKey(r.contact!));
    expect(keys).toEqual(['e:john.doe@example.com', 'e:john.doe@example.com', 'e:john.doe@example.com']);
  });

  it('reads tab-delimited files and our plain column names', async () => {
    const text =
      'External_ID\temail\tphone\tfirst_name\tlast_name\tbirth_date\tgender\tcontact_type\ttags\taddress_line1\tcity\tpostal_code\tcountry\topt_out_email\topt-out-call\tplan\n' +
      'c-1\tann@example.com\t212 555 0123\tAnn\tLee\t1990-01-31\tF\tlead\tvip|gold; vip\t1 Main St\tSpringfield\t12345\tus\tyes\t0\tgold\n';
    const [row] = await parse(text);
    expect(row.errors).toEqual([]);
    expect(row.contact).toEqual({
      externalId: 'c-1',
      firstName: 'Ann',
      lastName: 'Lee',
      email: 'ann@example.com',
      phone: '+12125550123',
      birthDate: '1990-01-31',
      gender: 'FEMALE',
      contactType: 'lead',
      tags: ['vip', 'gold'],
      address: { line1: '1 Main St', line2: null, city: 'Springfield', region: null, postalCode: '12345', country: 'US' },
      attributes: { plan: 'gold' },
      optOut: { email: true, call: false },
    });
  });

  it('refuses a header without an identity column', async () => {
    const error = await parse('first_name,last_name,city\nAnn,Lee,Paris\n').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ code: 'validation', fields: [{ field: 'file' }] });
  });

  it('refuses an empty file', async () => {
    await expect(parse('')).rejects.toMatchObject({ code: 'validation', fields: [{ field: 'file', message: 'the file is empty' }] });
    await expect(parse('\r\n\n')).rejects.toThrow(AppError);
  });

  it('reports rows with the wrong number of fields and goes on', async () => {
    const rows = await parse('email,name\na@example.com\nb@example.com,B,extra\nc@example.com,C,,\nd@example.com,D');
    expect(rows.map((r) => [r.line, r.errors.map((e) => e.field), r.contact?.email])).toEqual([
      [2, ['row'], undefined],
      [3, ['row'], undefined],
      [4, [], 'c@example.com'], // extra cells that are empty are tolerated
      [5, [], 'd@example.com'], // no line break at the end of the file
    ]);
  });

  it('reports a quote left open at the end of the file on the line it opened', async () => {
    const rows = await parse('email,notes\na@example.com,"never closed\nb@example.com,x\n');
    expect(rows).toEqual([{ line: 2, errors: [{ line: 2, field: 'row', reason: 'a quoted field is not closed before the end of the file' }] }]);
  });

  it('reads a Windows-1252 export (Excel plain "CSV") without mangling accents', async () => {
    const rows = await parse(Buffer.from('email;last_name\r\nann@example.com;Müller\r\n', 'latin1'));
    expect(rows[0].contact?.lastName).toBe('Müller');
  });

  it('accepts a single line without a line break as a header', async () => {
    expect(await parse('email;phone')).toEqual([]);
  });

  it('reads a Node stream and string chunks alike', async () => {
    const strings = (async function* () {
      yield '\uFEFFemail\n';
      yield 'x@example.com\n';
    })();
    const rows = await collect(parseContactsCsv(strings, { normalizer }));
    expect(rows.map((r) => r.contact?.email)).toEqual(['x@example.com']);
    expect((await collect(parseContactsCsv(fixtureStream('google-contacts-new.csv', 1), { normalizer }))).length).toBe(2);
    expect(readFixture('excel-utf8.csv')[0]).toBe(0xef); // the fixture really starts with a BOM
  });
});

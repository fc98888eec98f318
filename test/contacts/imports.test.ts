import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';
import { readFixture } from '../fixtures/contacts/helpers.js';
import { allContacts, byEmail, postMultipart, postRaw } from './helpers.js';
import { MISSING_CONTACT_TYPE } from '../../src/domain/contacts/importer.js';

// Imports through the HTTP route, on real PostgreSQL: real exports, line numbers, identity
// upserts, tenancy, re-imports and the 400/413/415 answers.

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { IMPORT_MAX_BYTES: '20000' } });
});
afterAll(async () => t.close());

describe('contact imports', () => {
  it('reads an Excel "CSV UTF-8" export: BOM, semicolons, a quoted value with a semicolon', async () => {
    const tenant = newTenant();
    const res = await postRaw(t, tenant, readFixture('excel-utf8.csv'), 'text/csv', '?contactType=customer&region=FR');
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ status: 'COMPLETED', format: 'csv', rows: 3, imported: 3, updated: 0, unchanged: 0, failed: 0, errors: [] });
    expect(res.headers.location).toBe(`/contacts/imports/${body.id}`);
    const contacts = byEmail(await allContacts(t, tenant));
    expect(Object.keys(contacts).sort()).toEqual(['anna.mueller@example.de', 'jean.dupont@example.fr', 'luc@example.fr']);
    expect(contacts['jean.dupont@example.fr']).toMatchObject({
      firstName: 'Jean',
      phone: '+33612345678',
      birthDate: '1990-05-01',
      tags: ['VIP', 'Newsletter'],
      attributes: { Company: 'Dupont; Fils & Cie' },
      contactType: 'customer',
    });
    expect(contacts['anna.mueller@example.de'].lastName).toBe('Müller');
    expect(contacts['luc@example.fr']).toMatchObject({ phone: '+33612345678', attributes: { Company: 'Martin "&" Fils' } });
  });

  it('reads a Google Contacts export (multi-value cells, multi-line address, a row without identity)', async () => {
    const tenant = newTenant();
    const res = await postMultipart(t, tenant, readFixture('google-contacts.csv'), { fileName: 'contacts.csv', query: '?contactType=lead' });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ status: 'COMPLETED', fileName: 'contacts.csv', imported: 3, failed: 1 });
    expect(body.errors).toEqual([{ line: 10, field: 'email', reason: 'a contact needs an externalId, email or phone' }]);
    const contacts = byEmail(await allContacts(t, tenant));
    expect(contacts['ada.lovelace@example.com']).toMatchObject({
      firstName: 'Ada',
      lastName: 'Lovelace',
      phone: '+12125550123',
      gender: 'FEMALE',
      birthDate: '1985-12-10',
      tags: ['VIP', 'Newsletter'],
      contactType: 'lead',
      address: { line1: '12 Analytical Row', line2: 'Apt 3', city: 'New York', region: 'NY', postalCode: '10001', country: 'US' },
    });
    expect(contacts['+447400123456']).toMatchObject({ firstName: 'Alan', email: null, address: { city: 'Milton Keynes' } });
  });

  it('keeps quoted line breaks and escaped quotes, and counts lines physically', async () => {
    const tenant = newTenant();
    const csv = [
      'email,first_name,notes,contact_type',
      'a@example.com,"Anne ""Nan""","line one',
      'line two, still notes",customer',
      'b@example.com,Bob,plain,customer',
      'not-an-email,Carl,x,customer',
    ].join('\r\n');
    const res = await postRaw(t, tenant, csv, 'text/csv');
    expect(res.json()).toMatchObject({ imported: 2, failed: 1 });
    expect(res.json().errors).toEqual([{ line: 5, field: 'email', reason: '"not-an-email" is not a valid email address' }]);
    const contacts = byEmail(await allContacts(t, tenant));
    expect(contacts['a@example.com']).toMatchObject({ firstName: 'Anne "Nan"', attributes: { notes: 'line one\r\nline two, still notes' } });
  });

  it('reports an invalid email on line 6 as line 6 and imports the others', async () => {
    const tenant = newTenant();
    const rows = ['email,first_name'];
    for (let i = 1; i <= 8; i++) rows.push(i === 5 ? 'nobody@@example,Eve' : `p${i}@example.com,P${i}`);
    const res = await postRaw(t, tenant, rows.join('\n'), 'text/csv', '?contactType=customer');
    expect(res.json()).toMatchObject({ rows: 8, imported: 7, failed: 1 });
    expect(res.json().errors).toEqual([{ line: 6, field: 'email', reason: expect.stringContaining('nobody@@example') }]);
    expect((await allContacts(t, tenant)).length).toBe(7);
  });

  it('treats emails differing only in case and spaces as one contact, per tenant', async () => {
    const a = newTenant('a');
    const b = newTenant('b');
    const csv = 'email,first_name,contact_type\n  Mia@Example.COM ,Mia,customer\nmia@example.com,Mia2,customer\nMIA@example.com  ,Mia3,customer\n';
    const res = await postRaw(t, a, csv, 'text/csv');
    // As if applied one by one: the first creates, the next two update the same contact.
    expect(res.json()).toMatchObject({ rows: 3, imported: 1, updated: 2, unchanged: 0, failed: 0 });
    const mine = await allContacts(t, a);
    expect(mine.map((c) => [c.email, c.firstName])).toEqual([['mia@example.com', 'Mia3']]);

    const other = await postRaw(t, b, 'email,contact_type\nmia@example.com,customer\n', 'text/csv');
    expect(other.json()).toMatchObject({ imported: 1, updated: 0 });
    const theirs = await allContacts(t, b);
    expect(theirs).toHaveLength(1);
    expect(theirs[0].id).not.toBe(mine[0].id);
    expect((await allContacts(t, a))[0].firstName).toBe('Mia3');
  });

  it('resolves identities in order externalId, email, phone, each against its own index', async () => {
    const tenant = newTenant();
    const first = [
      'external_id,email,phone,first_name,contact_type',
      'X1,shared@example.com,,WithId,customer',
      ',shared@example.com,,EmailOnly,customer',
      ',,+12125550100,PhoneOnly,customer',
    ].join('\n');
    expect((await postRaw(t, tenant, first, 'text/csv')).json()).toMatchObject({ imported: 3, updated: 0 });
    const second = [
      'external_id,email,phone,first_name,contact_type',
      'X1,other@example.com,,WithId2,customer', // by externalId, even with another email
      ',shared@example.com,+12125550100,EmailOnly2,customer', // by email; the phone-only contact stays apart
      ',,+12125550100,PhoneOnly,customer', // unchanged
      'X2,,,New,customer',
    ].join('\n');
    expect((await postRaw(t, tenant, second, 'text/csv')).json()).toMatchObject({ imported: 1, updated: 2, unchanged: 1 });
    const names = (await allContacts(t, tenant)).map((c) => [c.externalId, c.email, c.phone, c.firstName]).sort();
    expect(names).toEqual([
      ['X1', 'other@example.com', null, 'WithId2'],
      ['X2', null, null, 'New'],
      [null, null, '+12125550100', 'PhoneOnly'],
      [null, 'shared@example.com', '+12125550100', 'EmailOnly2'],
    ].sort());
  });

  it('stores tabs, backslashes, quotes, braces and line breaks exactly (COPY escaping)', async () => {
    const tenant = newTenant();
    const csv = [
      'email,first_name,last_name,tags,notes,contact_type',
      'esc@example.com,"Tab\there","Back\\slash \\N","{brace}|say ""hi""|back\\tag|Ünïcødé","a\r\nb\nc\\d",customer',
    ].join('\n');
    const res = await postRaw(t, tenant, csv, 'text/csv');
    expect(res.json()).toMatchObject({ imported: 1, failed: 0 });
    const [c] = await allContacts(t, tenant);
    expect(c).toMatchObject({
      firstName: 'Tab\there',
      lastName: 'Back\\slash \\N',
      tags: ['{brace}', 'say "hi"', 'back\\tag', 'Ünïcødé'],
      attributes: { notes: 'a\r\nb\nc\\d' },
    });
    // Targeting compares the lower-cased keys written next to the tags.
    expect((await t.call(tenant, 'GET', '/contacts?tag=SAY%20%22HI%22')).json().items).toHaveLength(1);
    // And the same file again matches the stored values exactly.
    expect((await postRaw(t, tenant, csv, 'text/csv')).json()).toMatchObject({ imported: 0, updated: 0, unchanged: 1 });
  });

  it('reads vCard with folded lines and two phone numbers', async () => {
    const tenant = newTenant();
    const res = await postRaw(t, tenant, readFixture('vcard-3.vcf'), 'text/vcard', '?contactType=customer');
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ format: 'vcard', imported: 2, failed: 1 });
    expect(res.json().errors[0]).toMatchObject({ line: 29, field: 'email' });
    const contacts = byEmail(await allContacts(t, tenant));
    expect(contacts['ada@example.com']).toMatchObject({
      externalId: '4fbe8971-0bc3-424c-9c26-36c3e1eff6b1',
      phone: '+13105550142',
      attributes: { otherPhones: ['+1 212 555 0123'], note: expect.stringContaining('more than one physical line, as RFC 2425') },
      tags: ['VIP', 'Engines, Inc.', 'newsletter'],
    });
    // EMAIL folded in the middle of the address.
    expect(contacts['grace.hopper@example.com']).toMatchObject({ phone: '+12025550173', attributes: { otherPhones: ['+1 617 555 0100'] } });
  });

  it('reads vCard 4.0 sent as the multipart part "file" (PREF, tel: URIs, text BDAY, X-CONTACT-TYPE)', async () => {
    const tenant = newTenant();
    const res = await postMultipart(t, tenant, readFixture('vcard-4.vcf'), { fileName: 'team.vcf', fileType: 'text/vcard', query: '?contactType=staff' });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ format: 'vcard', fileName: 'team.vcf', rows: 2, imported: 2, failed: 0 });
    const contacts = byEmail(await allContacts(t, tenant));
    expect(contacts['kj@example.com']).toMatchObject({
      externalId: 'urn:uuid:9a1b3c5d-1111-4222-8333-944455556666',
      firstName: 'Katherine',
      lastName: 'Johnson',
      phone: '+12025550173', // PREF=1, without the URI's ;ext=102
      gender: 'FEMALE',
      birthDate: '1918-08-26',
      contactType: 'partner', // the card's own type wins over the query's default
      tags: ['Math', 'NASA'],
      address: { line1: '1 Langley Blvd', city: 'Hampton', region: 'VA', postalCode: '23681', country: 'USA' },
      attributes: { otherEmails: ['katherine@nasa.example.gov'], otherPhones: ['+1-617-555-0100'] },
    });
    expect(contacts['+12125550199']).toMatchObject({
      firstName: 'Mary',
      lastName: 'Jackson',
      birthDate: null,
      contactType: 'staff',
      attributes: { birthdayText: 'circa 1921', genderIdentity: 'woman engineer' },
    });
  });

  it('reads an Outlook export (quoted headers, several phone columns, "0/0/00" birthdays)', async () => {
    const tenant = newTenant();
    const res = await postRaw(t, tenant, readFixture('outlook.csv'), 'application/vnd.ms-excel', '?contactType=customer');
    expect(res.statusCode, res.body).toBe(201);
    const contacts = byEmail(await allContacts(t, tenant));
    expect(contacts['margaret@example.com']).toMatchObject({
      firstName: 'Margaret',
      lastName: 'Hamilton',
      gender: 'FEMALE',
      birthDate: '1936-08-17',
      phone: '+16175550100', // the mobile column beats the home phone
      address: { line1: '1 Apollo Way', city: 'Boston', region: 'MA', postalCode: '02110' },
    });
    expect(contacts['annie@example.com']).toMatchObject({ birthDate: null, gender: 'UNKNOWN' });
  });

  it('changes nothing when the same file is imported again, and keeps stored values for empty cells', async () => {
    const tenant = newTenant();
    const csv = readFixture('google-contacts.csv');
    const first = (await postRaw(t, tenant, csv, 'text/csv', '?contactType=customer')).json();
    const before = await allContacts(t, tenant);
    const again = await postMultipart(t, tenant, csv, { query: '?contactType=customer' });
    expect(again.json()).toMatchObject({ imported: 0, updated: 0, unchanged: first.imported, failed: 1 });
    expect(await allContacts(t, tenant)).toEqual(before); // updated_at included

    const partial = await postRaw(t, tenant, 'email,tags\nada.lovelace@example.com,\n', 'text/csv', '?contactType=customer');
    expect(partial.json()).toMatchObject({ imported: 0, updated: 0, unchanged: 1 });
    const ada = byEmail(await allContacts(t, tenant))['ada.lovelace@example.com'];
    expect(ada).toMatchObject({ birthDate: '1985-12-10', tags: ['VIP', 'Newsletter'], phone: '+12125550123' });
  });

  it('runs two imports of overlapping files in one tenant at once without duplicates or errors', async () => {
    const tenant = newTenant();
    const file = (from: number) =>
      ['email,n', ...Array.from({ length: 600 }, (_, i) => `u${from + i}@ex.co,${from}`)].join('\n');
    const [a, b] = await Promise.all([
      postRaw(t, tenant, file(0), 'text/csv', '?contactType=c'),
      postRaw(t, tenant, file(300), 'text/csv', '?contactType=c'),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    // 900 people; the 300 both files name are created by one import and updated by the other.
    expect(a.json().imported + b.json().imported).toBe(900);
    expect(a.json().updated + b.json().updated).toBe(300);
    const stored = await allContacts(t, tenant);
    expect(stored).toHaveLength(900);
    expect(new Set(stored.map((c) => c.email)).size).toBe(900);
  });

  it('shows the import in GET with its counters and errors', async () => {
    const tenant = newTenant();
    const done = (await postRaw(t, tenant, 'email\nok@example.com\nbad@\n', 'text/csv', '?contactType=c')).json();
    const got = await t.call(tenant, 'GET', `/contacts/imports/${done.id}`);
    expect(got.json()).toEqual(done);
    expect(got.json()).toMatchObject({ status: 'COMPLETED', imported: 1, failed: 1, errors: [{ line: 3, field: 'email' }] });
    const list = (await t.call(tenant, 'GET', '/contacts/imports')).json();
    expect(list.items.map((i: { id: string }) => i.id)).toEqual([done.id]);
    expect((await t.call(newTenant(), 'GET', `/contacts/imports/${done.id}`)).statusCode).toBe(404);
  });

  it('caps the stored errors and says how many more there were', async () => {
    const tenant = newTenant();
    // 1,200 bad rows in a file under the 20,000-byte test limit.
    const csv = `email\n${'x@\n'.repeat(1200)}`;
    const res = await postRaw(t, tenant, csv, 'text/csv', '?contactType=c');
    expect(res.json()).toMatchObject({ rows: 1200, failed: 1200, errorsOmitted: 200 });
    expect(res.json().errors).toHaveLength(1000);
    expect(res.json().errors[999].line).toBe(1001);
  });

  it('answers 415 for what is not CSV or vCard, 413 over the limit, 400 for an empty file', async () => {
    const tenant = newTenant();
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
    const asPng = await postMultipart(t, tenant, png, { fileName: 'photo.png', fileType: 'image/png' });
    expect(asPng.statusCode).toBe(415);
    expect(asPng.headers['content-type']).toContain('application/problem+json');
    expect((await postRaw(t, tenant, png, 'application/octet-stream')).statusCode).toBe(415);
    expect((await postRaw(t, tenant, '{"email":"a@b.c"}', 'application/json')).statusCode).toBe(415);
    expect((await postRaw(t, tenant, 'plain words without any delimiter', 'text/plain')).statusCode).toBe(415);
    expect((await postRaw(t, tenant, png, 'image/png')).statusCode).toBe(415);
    // The answer says why, so the user knows what to send instead.
    expect(asPng.json().detail).toMatch(/binary file/);
    const nul = await postRaw(t, tenant, 'email,first_name\na@example.com,An\u0000na\n', 'text/csv');
    expect([nul.statusCode, nul.json().detail]).toEqual([415, expect.stringMatching(/control characters such as NUL bytes/)]);
    const words = await postRaw(t, tenant, 'plain words without any delimiter', 'text/plain');
    expect(words.json().detail).toMatch(/no CSV delimiter/);

    const big = `email\n${'someone@example.com\n'.repeat(1100)}`; // 22,006 bytes > 20,000
    const tooBig = await postRaw(t, tenant, big, 'text/csv', '?contactType=c');
    expect(tooBig.statusCode).toBe(413);
    expect((await postMultipart(t, tenant, big, { query: '?contactType=c' })).statusCode).toBe(413);

    for (const empty of ['', '\uFEFF', '  \r\n ']) {
      const res = await postRaw(t, tenant, empty, 'text/csv');
      expect(res.statusCode).toBe(400);
      expect(res.json().errors).toEqual([{ field: 'file', message: 'the file is empty' }]);
    }
    const headerOnly = await postRaw(t, tenant, 'name,city\nAnn,Paris\n', 'text/csv');
    expect(headerOnly.statusCode).toBe(400);
    expect(headerOnly.json().errors[0].field).toBe('file');
    expect(await allContacts(t, tenant)).toEqual([]);
  });

  it('stops at the limit when the size is not declared, keeping the failure on the import', async () => {
    const tenant = newTenant();
    const lines = Array.from({ length: 1100 }, (_, i) => `user-number-${i}@example.com`).join('\n'); // ~30 kB
    async function* chunks() {
      const data = Buffer.from(`email\n${lines}\n`);
      for (let i = 0; i < data.length; i += 1000) yield data.subarray(i, i + 1000);
    }
    const { Readable } = await import('node:stream');
    const res = await t.app.http.inject({
      method: 'POST',
      url: '/contacts/imports?contactType=c',
      headers: { authorization: `Bearer ${await t.token(tenant)}`, 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
      payload: Readable.from(chunks()),
    });
    expect(res.statusCode).toBe(413);
    const imp = (await t.call(tenant, 'GET', `/contacts/imports/${res.json().importId}`)).json();
    expect(imp).toMatchObject({ status: 'FAILED', failure: expect.stringContaining('import limit of 20000 bytes') });
    // Batches committed before the limit stay (a re-import of a complete file finishes the job).
    expect((await allContacts(t, tenant)).length).toBe(imp.imported);
  });

  it('a file that names no contact type: every row says how to give one, and ?contactType= imports it', async () => {
    const tenant = newTenant();
    const csv = 'email,first_name\nada@example.com,Ada\nalan@example.com,Alan\n';
    const without = (await postRaw(t, tenant, csv, 'text/csv')).json();
    expect(without).toMatchObject({ rows: 2, imported: 0, failed: 2 });
    expect(without.errors).toEqual([2, 3].map((line) => ({ line, field: 'contactType', reason: MISSING_CONTACT_TYPE })));
    expect(MISSING_CONTACT_TYPE).toMatch(/\?contactType=/);
    const withType = (await postRaw(t, tenant, csv, 'text/csv', '?contactType=LEAD')).json();
    expect(withType).toMatchObject({ rows: 2, imported: 2, failed: 0 });
  });
});

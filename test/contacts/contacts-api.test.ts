import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';

// The contacts resource through HTTP on real PostgreSQL: normalisation, 409 on a duplicate
// identity, PUT replacement, validation naming fields, filters, keyset pages, tenancy.

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp();
});
afterAll(async () => t.close());

const ada = {
  externalId: null,
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: '  Ada@Example.COM ',
  phone: '(212) 555-0123',
  birthDate: '1985-12-10',
  gender: 'female',
  contactType: 'customer',
  tags: [' VIP ', 'vip', 'Newsletter'],
  address: { line1: '12 Analytical Row', city: 'New York', postalCode: '10001', country: 'us' },
  attributes: { plan: 'gold' },
  optOut: { whatsapp: true },
};

describe('contacts API', () => {
  it('creates a normalised contact, reads, replaces and deletes it', async () => {
    const tenant = newTenant();
    const created = await t.call(tenant, 'POST', '/contacts', ada);
    expect(created.statusCode, created.body).toBe(201);
    const c = created.json();
    expect(c).toMatchObject({
      email: 'ada@example.com',
      phone: '+12125550123',
      gender: 'FEMALE',
      tags: ['VIP', 'Newsletter'],
      address: { line1: '12 Analytical Row', line2: null, city: 'New York', region: null, postalCode: '10001', country: 'US' },
      attributes: { plan: 'gold' },
      optOut: { call: false, email: false, whatsapp: true, mail: false },
    });
    expect(created.headers.location).toBe(`/contacts/${c.id}`);
    expect((await t.call(tenant, 'GET', `/contacts/${c.id}`)).json()).toEqual(c);

    const put = await t.call(tenant, 'PUT', `/contacts/${c.id}`, { email: 'ada@example.com', contactType: 'lead' });
    expect(put.statusCode, put.body).toBe(200);
    expect(put.json()).toMatchObject({ id: c.id, email: 'ada@example.com', phone: null, tags: [], contactType: 'lead', address: null });

    expect((await t.call(tenant, 'DELETE', `/contacts/${c.id}`)).statusCode).toBe(204);
    expect((await t.call(tenant, 'GET', `/contacts/${c.id}`)).statusCode).toBe(404);
    expect((await t.call(tenant, 'DELETE', `/contacts/${c.id}`)).statusCode).toBe(404);
  });

  it('answers 409 with the existing id for a duplicate identity, on POST and on PUT', async () => {
    const tenant = newTenant();
    const first = (await t.call(tenant, 'POST', '/contacts', { email: 'x@example.com', contactType: 'c' })).json();
    const dup = await t.call(tenant, 'POST', '/contacts', { email: ' X@EXAMPLE.com', contactType: 'c', firstName: 'again' });
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ existingId: first.id });
    // The same email with an externalId is another identity.
    const withId = await t.call(tenant, 'POST', '/contacts', { externalId: 'crm-1', email: 'x@example.com', contactType: 'c' });
    expect(withId.statusCode).toBe(201);
    const phoneOnly = (await t.call(tenant, 'POST', '/contacts', { phone: '+4915123456789', contactType: 'c' })).json();
    const clash = await t.call(tenant, 'PUT', `/contacts/${phoneOnly.id}`, { email: 'x@example.com', contactType: 'c' });
    expect(clash.statusCode).toBe(409);
    expect(clash.json().existingId).toBe(first.id);
    // PUT keeping its own identity is fine.
    expect((await t.call(tenant, 'PUT', `/contacts/${first.id}`, { email: 'x@example.com', contactType: 'd' })).statusCode).toBe(200);
  });

  it.each([
    ['bad email', { email: 'not-an-email', contactType: 'c' }, ['email']],
    ['bad phone', { phone: '12', contactType: 'c' }, ['phone']],
    ['bad date and gender', { email: 'a@b.example', contactType: 'c', birthDate: '1990-02-30', gender: 'robot' }, ['birthDate', 'gender']],
    ['no identity', { firstName: 'Nobody', contactType: 'c' }, ['email']],
    ['no contact type', { email: 'a@b.example' }, ['contactType']],
    ['unknown field', { email: 'a@b.example', contactType: 'c', colour: 'red' }, ['colour']],
    ['wrong type', { email: 'a@b.example', contactType: 'c', tags: 'vip' }, ['tags']],
    ['bad opt-out', { email: 'a@b.example', contactType: 'c', optOut: { sms: true } }, ['optOut.sms']],
  ])('%s -> 400 naming the field, nothing written', async (_n, body, fields) => {
    const tenant = newTenant();
    const res = await t.call(tenant, 'POST', '/contacts', body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    const named = (res.json().errors as { field: string }[]).map((e) => e.field);
    for (const f of fields) expect(named).toContain(f);
    expect((await t.call(tenant, 'GET', '/contacts')).json().items).toEqual([]);
  });

  it('filters by type, tag (any case), gender and text, in keyset pages', async () => {
    const tenant = newTenant();
    const people = [
      { firstName: 'Ann', lastName: 'Smith', email: 'ann@example.com', contactType: 'customer', gender: 'FEMALE', tags: ['VIP'] },
      { firstName: 'Bob', lastName: 'Smithers', email: 'bob@example.com', contactType: 'customer', gender: 'MALE', tags: ['vip', 'Beta'] },
      { firstName: 'Cid', lastName: 'Jones', phone: '+12125550199', contactType: 'lead', tags: [] },
      { firstName: 'Dee', lastName: 'Brown', email: 'dee@smith.example', contactType: 'lead', gender: 'FEMALE' },
    ];
    for (const p of people) expect((await t.call(tenant, 'POST', '/contacts', p)).statusCode).toBe(201);
    const names = async (query: string) =>
      ((await t.call(tenant, 'GET', `/contacts?${query}`)).json().items as { firstName: string }[]).map((c) => c.firstName).sort();
    expect(await names('contactType=customer')).toEqual(['Ann', 'Bob']);
    expect(await names('contactType=customer&contactType=lead')).toEqual(['Ann', 'Bob', 'Cid', 'Dee']);
    expect(await names('tag=%20Vip%20')).toEqual(['Ann', 'Bob']);
    expect(await names('tag=vip&tag=BETA')).toEqual(['Bob']);
    expect(await names('gender=FEMALE')).toEqual(['Ann', 'Dee']);
    expect(await names('q=smith')).toEqual(['Ann', 'Bob', 'Dee']);
    expect(await names('q=SMITHERS')).toEqual(['Bob']);
    expect(await names('q=(212)%20555-0199')).toEqual(['Cid']);
    expect(await names('q=100%25')).toEqual([]); // LIKE wildcards are literal
    expect((await t.call(tenant, 'GET', '/contacts?gender=robot')).statusCode).toBe(400);
    expect((await t.call(tenant, 'GET', '/contacts?cursor=nope')).json().errors[0].field).toBe('cursor');

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = (
        await t.call(tenant, 'GET', `/contacts?limit=3${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      seen.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(4);
    expect([...seen].sort()).toEqual(seen); // id order, no repeats
  });

  it('reads national phone numbers in CONTACTS_DEFAULT_REGION, on the API and in imports (overridable per import)', async () => {
    const uk = await buildTestApp({ env: { CONTACTS_DEFAULT_REGION: 'GB' } });
    try {
      const tenant = newTenant();
      const created = await uk.call(tenant, 'POST', '/contacts', { phone: '07400 123456', contactType: 'c' });
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json().phone).toBe('+447400123456');
      // A US national number is not a valid UK one: 400 naming the field, not a wrong number.
      const us = await uk.call(tenant, 'POST', '/contacts', { phone: '(212) 555-0123', contactType: 'c' });
      expect(us.statusCode).toBe(400);
      expect(us.json().errors.map((e: { field: string }) => e.field)).toEqual(['phone']);
      const auth = { authorization: `Bearer ${await uk.token(tenant)}`, 'content-type': 'text/csv' };
      const csv = 'phone,contact_type\n07400 654321,c\n';
      const imported = await uk.app.http.inject({ method: 'POST', url: '/contacts/imports', headers: auth, payload: csv });
      expect(imported.json()).toMatchObject({ imported: 1, failed: 0 });
      const asFrench = await uk.app.http.inject({ method: 'POST', url: '/contacts/imports?region=fr', headers: auth, payload: 'phone,contact_type\n06 12 34 56 78,c\n' });
      expect(asFrench.json()).toMatchObject({ imported: 1, failed: 0 });
      const phones = (await uk.call(tenant, 'GET', '/contacts')).json().items.map((c: { phone: string }) => c.phone).sort();
      expect(phones).toEqual(['+33612345678', '+447400123456', '+447400654321']);
    } finally {
      await uk.close();
    }
  });

  it("answers 404 for another tenant's contact on every route and never lists it", async () => {
    const a = newTenant('a');
    const b = newTenant('b');
    const c = (await t.call(a, 'POST', '/contacts', { email: 'mine@example.com', contactType: 'c' })).json();
    expect((await t.call(b, 'GET', `/contacts/${c.id}`)).statusCode).toBe(404);
    expect((await t.call(b, 'PUT', `/contacts/${c.id}`, { email: 'stolen@example.com', contactType: 'c' })).statusCode).toBe(404);
    expect((await t.call(b, 'DELETE', `/contacts/${c.id}`)).statusCode).toBe(404);
    expect((await t.call(b, 'GET', '/contacts')).json().items).toEqual([]);
    expect((await t.call(b, 'GET', '/contacts?q=mine')).json().items).toEqual([]);
    // B may hold the same email as its own, separate contact.
    expect((await t.call(b, 'POST', '/contacts', { email: 'mine@example.com', contactType: 'c' })).statusCode).toBe(201);
    expect((await t.call(a, 'GET', `/contacts/${c.id}`)).json().email).toBe('mine@example.com');
  });
});

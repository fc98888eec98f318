import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';
import { insertContacts } from './helpers.js';

// The templates API on a real database: CRUD, validation errors that name the field, preview
// for a stored or an inline contact, and tenancy.

const EMAIL = {
  kind: 'EMAIL',
  name: 'Welcome',
  description: 'first contact',
  subject: 'Hi {{ contact.firstName }} ({{ data.offerCode }})',
  html: '<p>Hello {{ contact.firstName }} {{ contact.lastName }} from {{ contact.attributes.city }}</p>',
  text: 'Hello {{ contact.firstName }} {{ contact.lastName }}',
};

const WHATSAPP = {
  kind: 'WHATSAPP',
  name: 'WA promo',
  whatsapp: {
    name: 'spring_offer',
    language: 'de',
    components: [
      { type: 'header', parameters: [{ type: 'document', source: 'attachment' }] },
      { type: 'body', parameters: [{ type: 'text', source: 'contact.firstName' }, { type: 'text', source: 'data.offerCode' }] },
    ],
  },
};

describe('templates API', () => {
  let t: TestApp;
  const a = newTenant('tpl');
  const b = newTenant('tpl');

  beforeAll(async () => {
    t = await buildTestApp({ env: { PUBLIC_BASE_URL: 'https://engine.test' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('creates, reads, replaces, lists and deletes an email template', async () => {
    const created = await t.call(a, 'POST', '/templates', EMAIL);
    expect(created.statusCode).toBe(201);
    const tpl = created.json();
    expect(created.headers.location).toBe(`/templates/${tpl.id}`);
    expect(tpl).toMatchObject({ ...EMAIL, whatsapp: null, version: 1 });

    const got = await t.call(a, 'GET', `/templates/${tpl.id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toEqual(tpl);

    const put = await t.call(a, 'PUT', `/templates/${tpl.id}`, { ...EMAIL, subject: 'New {{ contact.firstName }}' });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ id: tpl.id, subject: 'New {{ contact.firstName }}', version: 2 });
    expect((await t.call(a, 'GET', `/templates/${tpl.id}`)).json().subject).toBe('New {{ contact.firstName }}');

    // The kind of a template cannot change.
    const kind = await t.call(a, 'PUT', `/templates/${tpl.id}`, WHATSAPP);
    expect(kind.statusCode).toBe(400);
    expect(kind.json().errors).toEqual([{ field: 'kind', message: 'the template is EMAIL; the kind cannot change' }]);

    const wa = (await t.call(a, 'POST', '/templates', WHATSAPP)).json();
    const list = await t.call(a, 'GET', '/templates?kind=WHATSAPP');
    expect(list.json().items.map((x: { id: string }) => x.id)).toEqual([wa.id]);
    const page1 = (await t.call(a, 'GET', '/templates?limit=1')).json();
    expect(page1.items).toHaveLength(1);
    const page2 = (await t.call(a, 'GET', `/templates?limit=1&cursor=${encodeURIComponent(page1.nextCursor)}`)).json();
    expect(new Set([page1.items[0].id, page2.items[0].id])).toEqual(new Set([tpl.id, wa.id]));

    const del = await t.call(a, 'DELETE', `/templates/${tpl.id}`);
    expect(del.statusCode).toBe(204);
    expect((await t.call(a, 'GET', `/templates/${tpl.id}`)).statusCode).toBe(404);
    expect((await t.call(a, 'DELETE', `/templates/${tpl.id}`)).statusCode).toBe(404);
  });

  it('answers 400 naming every bad field', async () => {
    const cases: Array<[Record<string, unknown>, string[]]> = [
      [{ ...EMAIL, subject: undefined, html: null }, ['subject', 'html']],
      [{ ...EMAIL, html: '<p>{{ contact.firstname }}</p>' }, ['html']],
      [{ ...EMAIL, text: 'Hi {{ contact.firstName' }, ['text']],
      [{ ...EMAIL, subject: '{{ secret.key }}' }, ['subject']],
      [{ ...EMAIL, name: '' }, ['name']],
      [{ ...EMAIL, extra: 1 }, ['extra']],
      [{ ...WHATSAPP, whatsapp: { ...WHATSAPP.whatsapp, name: 'Spring Offer!' } }, ['whatsapp.name']],
      [{ ...WHATSAPP, whatsapp: { ...WHATSAPP.whatsapp, language: 'german' } }, ['whatsapp.language']],
      [
        { ...WHATSAPP, whatsapp: { ...WHATSAPP.whatsapp, components: [{ type: 'body', parameters: [{ type: 'text', source: 'contact.password' }] }] } },
        ['whatsapp.components.0.parameters.0.source'],
      ],
      [{ ...WHATSAPP, whatsapp: { ...WHATSAPP.whatsapp, components: [{ type: 'button', parameters: [] }] } }, ['whatsapp.components.0']],
      [{ ...WHATSAPP, whatsapp: undefined }, ['whatsapp']],
      [{ ...WHATSAPP, subject: 'no' }, ['subject']],
    ];
    for (const [body, fields] of cases) {
      const res = await t.call(a, 'POST', '/templates', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      const got = (res.json().errors as Array<{ field: string }>).map((e) => e.field);
      for (const f of fields) expect(got, `${JSON.stringify(body)} -> ${res.body}`).toContain(f);
    }
    const badId = await t.call(a, 'GET', '/templates/not-a-uuid');
    expect(badId.statusCode).toBe(400);
    expect(badId.json().errors[0].field).toBe('id');
  });

  it('previews an email template for an inline or a stored contact, escaped once, missing values empty', async () => {
    const tpl = (await t.call(a, 'POST', '/templates', EMAIL)).json();
    const inline = await t.call(a, 'POST', `/templates/${tpl.id}/preview`, {
      contact: { firstName: "O'Neil & Hijos", lastName: null },
      data: { offerCode: 'X<1>' },
    });
    expect(inline.statusCode).toBe(200);
    expect(inline.json()).toEqual({
      kind: 'EMAIL',
      subject: "Hi O'Neil & Hijos (X<1>)",
      html: '<p>Hello O&#39;Neil &amp; Hijos  from </p>',
      text: "Hello O'Neil & Hijos ",
      problems: [],
    });

    const [id] = await insertContacts(t.db.pool, a, [{ firstName: '<b>Bo</b>', lastName: 'Berg', email: 'bo@example.test', attributes: { city: 'Köln' } }]);
    const stored = await t.call(a, 'POST', `/templates/${tpl.id}/preview`, { contactId: id });
    expect(stored.json()).toMatchObject({ subject: 'Hi <b>Bo</b> ()', html: '<p>Hello &lt;b&gt;Bo&lt;/b&gt; Berg from Köln</p>' });

    const unknown = await t.call(a, 'POST', `/templates/${tpl.id}/preview`, { contactId: '00000000-0000-4000-8000-000000000000' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors).toEqual([{ field: 'contactId', message: 'no such contact' }]);
  });

  it('previews a WhatsApp template as the Cloud API template object, and names an empty parameter', async () => {
    const tpl = (await t.call(a, 'POST', '/templates', WHATSAPP)).json();
    const ok = await t.call(a, 'POST', `/templates/${tpl.id}/preview`, { contact: { firstName: 'Ana\nMaria' }, data: { offerCode: 'S25' } });
    expect(ok.json()).toEqual({
      kind: 'WHATSAPP',
      whatsapp: {
        name: 'spring_offer',
        language: { code: 'de' },
        components: [
          { type: 'header', parameters: [{ type: 'document', document: { link: 'https://engine.test/public/attachments/preview', filename: 'attachment' } }] },
          { type: 'body', parameters: [{ type: 'text', text: 'Ana Maria' }, { type: 'text', text: 'S25' }] },
        ],
      },
      problems: [],
    });
    const empty = await t.call(a, 'POST', `/templates/${tpl.id}/preview`, { contact: { firstName: 'Ana' } });
    expect(empty.json()).toEqual({ kind: 'WHATSAPP', whatsapp: null, problems: ['whatsapp parameter body.2 is empty'] });
  });

  it('refuses to delete a template a live campaign uses (409)', async () => {
    const tpl = (await t.call(a, 'POST', '/templates', EMAIL)).json();
    const c = (await t.call(a, 'POST', '/campaigns', { title: 'uses it', email: true })).json();
    expect((await t.call(a, 'PUT', `/campaigns/${c.id}/emails`, { templateId: tpl.id, sourceEmail: 'a@b.test' })).statusCode).toBe(200);
    const res = await t.call(a, 'DELETE', `/templates/${tpl.id}`);
    expect(res.statusCode).toBe(409);
    expect(res.json().detail).toMatch(/used by 1 campaign/);
  });

  it("gives tenant B 404 for every route on tenant A's template", async () => {
    const tpl = (await t.call(a, 'POST', '/templates', EMAIL)).json();
    expect((await t.call(b, 'GET', `/templates/${tpl.id}`)).statusCode).toBe(404);
    expect((await t.call(b, 'PUT', `/templates/${tpl.id}`, EMAIL)).statusCode).toBe(404);
    expect((await t.call(b, 'POST', `/templates/${tpl.id}/preview`, { contact: { firstName: 'x' } })).statusCode).toBe(404);
    expect((await t.call(b, 'DELETE', `/templates/${tpl.id}`)).statusCode).toBe(404);
    expect((await t.call(b, 'GET', '/templates')).json().items).toEqual([]);
    // Still there, unchanged, for A.
    expect((await t.call(a, 'GET', `/templates/${tpl.id}`)).json()).toEqual(tpl);
  });
});

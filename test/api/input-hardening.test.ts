import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { multipartBody } from '../attachments/multipart.js';
import { makeHttpServer } from '../../src/http/server.js';

// Input PostgreSQL or the process cannot take: NUL characters and deeply nested JSON. Each is a
// 400 problem+json naming the field, never a 500, and nothing is written.

let t: TestApp;
let tenant: string;
let id: string;
beforeAll(async () => {
  t = await buildTestApp();
  tenant = newTenant();
  id = (await t.call(tenant, 'POST', '/campaigns', { title: 'valid' })).json().id;
});
afterAll(async () => t.close());

const fieldsOf = (res: { json(): { errors?: { field: string }[] } }) => (res.json().errors ?? []).map((e) => e.field);
const rawJson = async (method: string, url: string, text: string) =>
  t.app.http.inject({
    method: method as 'POST',
    url,
    headers: { authorization: `Bearer ${await t.token(tenant)}`, 'content-type': 'application/json' },
    payload: text,
  });
const counts = async () => ({
  campaigns: (await t.db.pool.query('SELECT count(*)::int AS n FROM campaigns')).rows[0].n as number,
  contacts: (await t.db.pool.query('SELECT count(*)::int AS n FROM contacts')).rows[0].n as number,
  responses: (await t.db.pool.query('SELECT count(*)::int AS n FROM campaign_responses')).rows[0].n as number,
});
const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('NUL characters', () => {
  it.each([
    ['campaign title', 'POST', '/campaigns', { title: 'A\u0000B' }, ['title']],
    ['contact first name', 'POST', '/contacts', { contactType: 'A', externalId: 'e1', firstName: 'Ann\u0000' }, ['firstName']],
    ['contact tag', 'POST', '/contacts', { contactType: 'A', externalId: 'e1', tags: ['ok', 'b\u0000d'] }, ['tags.1']],
    ['contact attribute', 'POST', '/contacts', { contactType: 'A', externalId: 'e1', attributes: { deep: { x: '\u0000' } } }, ['attributes.deep.x']],
    ['contact attribute name', 'POST', '/contacts', { contactType: 'A', externalId: 'e1', attributes: { 'a\u0000': 1 } }, ['attributes.a\\u0000']],
    ['response data', 'POST', '/campaigns/:id/responses', { trackingId: 'AAAAAAAAAAAAAAAAAAAAAA', status: 'RESPONDED', responseData: { a: '\u0000' } }, ['responseData.a']],
    ['contact search', 'GET', '/contacts?q=%00', undefined, ['q']],
    ['tracking id in the path', 'POST', '/campaigns/:id/mails/%00/status', { status: 'SEND' }, ['trackId']],
  ])('%s', async (_name, method, url, body, fields) => {
    const before = await counts();
    const res = await t.call(tenant, method, url.replace(':id', id), body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json().detail).toMatch(/may not contain NUL characters/);
    expect(fieldsOf(res)).toEqual(fields);
    expect(await counts()).toEqual(before);
  });

  it('the public scan refuses a NUL tracking id', async () => {
    const res = await t.app.http.inject({ method: 'GET', url: `/r?trackId=%00&campaignId=${id}` });
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toEqual(['trackId']);
  });

  it('a multipart config part is checked like a JSON body', async () => {
    const { payload, contentType } = multipartBody([{ name: 'config', value: JSON.stringify({ subject: 'x\u0000' }) }]);
    const res = await t.app.http.inject({
      method: 'PUT',
      url: `/campaigns/${id}/mails`,
      headers: { authorization: `Bearer ${await t.token(tenant)}`, 'content-type': contentType },
      payload,
    });
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toEqual(['subject']);
  });

  it('a NUL that reaches PostgreSQL anyway is a 400, not a 500 (22021 text, 22P05 jsonb)', async () => {
    // A route outside the guard's reach (a header) sends the NUL to a real database.
    const db: TestDatabase = await createTestDatabase({ poolSize: 1 });
    const http = await makeHttpServer({ authenticator: { authenticate: async () => 'x' } as never, bodyLimit: 1024, logger: false, version: 't' });
    http.get('/echo/:type', { config: { public: true } }, async (req) => {
      const { type } = req.params as { type: string };
      const value = type === 'jsonb' ? JSON.stringify({ a: req.headers['x-v'] }) : req.headers['x-v'];
      return (await db.pool.query(`SELECT $1::${type === 'jsonb' ? 'jsonb' : 'text'} AS v`, [value])).rows[0];
    });
    try {
      for (const type of ['text', 'jsonb']) {
        const ok = await http.inject({ method: 'GET', url: `/echo/${type}`, headers: { 'x-v': 'fine' } });
        expect(ok.statusCode).toBe(200);
        // Headers cannot carry NUL over the wire; inject's own parser is bypassed with a raw value.
        const res = await http.inject({ method: 'GET', url: `/echo/${type}`, headers: { 'x-v': 'a\u0000b' } });
        expect(res.statusCode).toBe(400);
        expect(res.json()).toMatchObject({ type: 'urn:problem:validation', detail: expect.stringMatching(/NUL characters/) });
      }
    } finally {
      await http.close();
      await db.drop();
    }
  });
});

describe('deeply nested JSON', () => {
  it.each([
    ['contact attributes', 'POST', '/contacts', (n: string) => `{"contactType":"A","externalId":"e2","attributes":{"x":${n}}}`],
    ['response data', 'POST', '/campaigns/:id/responses', (n: string) => `{"trackingId":"AAAAAAAAAAAAAAAAAAAAAA","status":"RESPONDED","responseData":{"x":${n}}}`],
    ['template data', 'PUT', '/campaigns/:id/whatsapp', (n: string) => `{"templateData":{"x":${n}}}`],
  ])('%s: 5000 levels is a 400 naming the limit', async (_name, method, url, make) => {
    const before = await counts();
    const res = await rawJson(method, url.replace(':id', id), make(nested(5000)));
    expect(res.statusCode).toBe(400);
    expect(fieldsOf(res)).toEqual(['body']);
    expect(res.json().errors[0].message).toMatch(/deeper than 32 levels/);
    expect(await counts()).toEqual(before);
  });

  it('brackets inside strings do not count, and 32 levels are still accepted', async () => {
    const res = await rawJson('POST', '/contacts', `{"contactType":"A","externalId":"e2","firstName":"${'['.repeat(100)}\\"{","attributes":{"x":${nested(30)}}}`);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().firstName).toBe(`${'['.repeat(100)}"{`);
    const over = await rawJson('POST', '/contacts', `{"contactType":"A","externalId":"e2","attributes":{"x":${nested(31)}}}`);
    expect(over.statusCode).toBe(400);
  });

  it('the prototype-poisoning guard of the JSON parser is kept', async () => {
    const res = await rawJson('POST', '/campaigns', '{"title":"a","__proto__":{"x":1}}');
    expect(res.statusCode).toBe(400);
  });
});

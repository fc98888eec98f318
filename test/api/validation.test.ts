import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';

// Bad input gets a 4xx problem+json naming the field, never a 500, and nothing is written.

let t: TestApp;
let tenant: string;
let id: string;
beforeAll(async () => {
  t = await buildTestApp({ env: { BODY_LIMIT_BYTES: '4096' } });
  tenant = newTenant();
  id = (await t.call(tenant, 'POST', '/campaigns', { title: 'valid' })).json().id;
});
afterAll(async () => t.close());

const fieldsOf = (res: { json(): { errors?: { field: string }[] } }) => (res.json().errors ?? []).map((e) => e.field);

describe('validation', () => {
  it.each([
    ['unknown field', 'POST', '/campaigns', { title: 'a', colour: 'red' }, ['colour']],
    ['empty title', 'POST', '/campaigns', { title: '' }, ['title']],
    ['long title', 'POST', '/campaigns', { title: 'x'.repeat(201) }, ['title']],
    ['missing title', 'POST', '/campaigns', { email: true }, ['title']],
    ['wrong type', 'POST', '/campaigns', { title: 'a', email: 'yes' }, ['email']],
    ['bad phone', 'PUT', '/campaigns/:id/calls', { sourcePhone: '0151 123' }, ['sourcePhone']],
    ['bad email', 'PUT', '/campaigns/:id/emails', { sourceEmail: 'not-an-email' }, ['sourceEmail']],
    ['bad template id', 'PUT', '/campaigns/:id/emails', { templateId: 'abc' }, ['templateId']],
    ['bad response url', 'PUT', '/campaigns/:id/mails', { responseUrl: 'javascript:alert(1)' }, ['responseUrl']],
    ['ages reversed', 'PUT', '/campaigns/:id/targets', { contactType: 'A', minAge: 60, maxAge: 18 }, ['minAge']],
    ['no contact type', 'PUT', '/campaigns/:id/targets', { minAge: 1 }, ['contactType']],
    ['bad gender', 'PUT', '/campaigns/:id/targets', { contactType: 'A', genders: ['robot'] }, ['genders.0']],
    [
      'schedule: zone, order and time',
      'POST',
      '/campaigns/:id/schedule',
      { startOn: '2030-05-02', endOn: '2030-05-01', timeZone: 'Europe/Nowhere', operationFrequency: 'DAILY', operationalStartTime: '9am', operationalEndTime: '17:00' },
      ['timeZone', 'endOn', 'operationalStartTime'],
    ],
    ['schedule: bad day', 'POST', '/campaigns/:id/schedule', { startOn: '2030-02-30', timeZone: 'UTC', operationFrequency: 'WEEKLY', operationalDays: [] }, ['startOn', 'operationalDays']],
    ['status: unknown', 'PUT', '/campaigns/:id/status', { status: 'DONE' }, ['status']],
    // Year 0000 passes a YYYY-MM-DD pattern but not PostgreSQL (a 500 once, for the preview).
    ['preview: a year-0000 day', 'GET', '/campaigns/:id/targets/preview?on=0000-01-01', undefined, ['on']],
    ['contact: a year-0000 birth date', 'POST', '/contacts', { contactType: 'A', externalId: 'y0', birthDate: '0000-01-01' }, ['birthDate']],
  ])('%s', async (_name, method, url, body, fields) => {
    const before = (await t.call(tenant, 'GET', `/campaigns/${id}`)).json().version;
    const res = await t.call(tenant, method, url.replace(':id', id), body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 400, title: 'Bad Request' });
    for (const f of fields) expect(fieldsOf(res)).toContain(f);
    expect((await t.call(tenant, 'GET', `/campaigns/${id}`)).json().version).toBe(before);
  });

  it('malformed JSON is a 400, an oversized body a 413, a bad id a 400', async () => {
    const bad = await t.app.http.inject({
      method: 'POST',
      url: '/campaigns',
      headers: { authorization: `Bearer ${await t.token(tenant)}`, 'content-type': 'application/json' },
      payload: '{"title": ',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().detail).toMatch(/not valid JSON/);
    const big = await t.call(tenant, 'POST', '/campaigns', { title: 'a', description: 'x'.repeat(5000) });
    expect(big.statusCode).toBe(413);
    const badId = await t.call(tenant, 'GET', '/campaigns/not-a-uuid');
    expect(badId.statusCode).toBe(400);
    expect(fieldsOf(badId)).toEqual(['id']);
    const stale = await t.call(tenant, 'PUT', `/campaigns/${id}`, { title: 'x' }, { 'if-match': 'garbage' });
    expect(stale.statusCode).toBe(412);
  });

  it('serves the OpenAPI document and the docs page without a token', async () => {
    const doc = await t.app.http.inject({ method: 'GET', url: '/openapi.json' });
    expect(doc.statusCode).toBe(200);
    const paths = Object.keys(doc.json().paths);
    expect(paths).toEqual(expect.arrayContaining(['/campaigns', '/campaigns/{id}', '/campaigns/{id}/status', '/campaigns/{id}/schedule']));
    expect(doc.json().openapi).toMatch(/^3\./);
    const ui = await t.app.http.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('<html');
  });

  it.each([
    ['/campaigns?status=BOGUS', 'status', 'must be one of DRAFT, SCHEDULED, RUNNING, PAUSED, COMPLETED'],
    ['/campaigns/:id/responses?channel=FAX', 'channel', 'must be one of CALL, EMAIL, WHATSAPP, MAIL'],
  ])('a bad value in %s lists the allowed ones', async (url, field, message) => {
    const res = await t.call(tenant, 'GET', url.replace(':id', id));
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field, message }]);
  });

  it('an oversized body is told the limit and the variable that sets it', async () => {
    const big = await t.call(tenant, 'POST', '/campaigns', { title: 'a', description: 'x'.repeat(5000) });
    expect(big.statusCode).toBe(413);
    expect(big.json().detail).toBe("The request body is larger than this endpoint's limit of 4096 bytes (set by BODY_LIMIT_BYTES)");
  });

  it.each([
    ['POST', '/campaigns', 'application/x-www-form-urlencoded', 'application/json'],
    ['POST', '/campaigns', 'multipart/form-data; boundary=x', 'application/json'],
    ['PUT', '/campaigns/:id/emails', 'application/x-www-form-urlencoded', 'application/json or multipart/form-data'],
  ])('%s %s with %s is told which media types it takes', async (method, url, contentType, takes) => {
    const res = await t.app.http.inject({
      method: method as 'POST',
      url: url.replace(':id', id),
      headers: { authorization: `Bearer ${await t.token(tenant)}`, 'content-type': contentType },
      payload: 'title=a',
    });
    expect(res.statusCode).toBe(415);
    expect(res.json().detail).toBe(`This endpoint takes ${takes}; the request's Content-Type is ${contentType.split(';')[0]}`);
  });
});

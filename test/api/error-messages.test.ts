import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalPdf } from '../../src/storage/test-files.js';
import { multipartBody } from '../attachments/multipart.js';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';

// Error texts name what the caller sent and what to send instead: the media types an endpoint
// really takes, the parameter by the name the caller used, "required" for what is missing, a
// way out that fits the campaign's status. And an empty JSON body is no body, not an error.

let t: TestApp;
let tenant: string;
beforeAll(async () => {
  t = await buildTestApp();
  tenant = newTenant();
});
afterAll(async () => t.close());

const send = async (method: string, url: string, contentType: string | undefined, payload?: string | Buffer) =>
  t.app.http.inject({
    method: method as 'POST',
    url,
    headers: { authorization: `Bearer ${await t.token(tenant)}`, ...(contentType ? { 'content-type': contentType } : {}) },
    ...(payload === undefined ? {} : { payload }),
  });

describe('contact imports', () => {
  it('a 415 lists the file types the import takes, not application/json', async () => {
    const res = await send('POST', '/contacts/imports', 'application/pdf', '%PDF-1.7');
    expect(res.statusCode).toBe(415);
    const detail = res.json().detail as string;
    expect(detail).toMatch(/^This endpoint takes text\/csv or text\/vcard \(also application\/csv, .*text\/x-vcard.*\), or multipart\/form-data with the file in the part "file"; the request's Content-Type is application\/pdf$/);
    expect(detail).not.toContain('application/json');
  });

  it('an unknown ?region is reported as region, the name sent', async () => {
    const res = await send('POST', '/contacts/imports?region=ZZ', 'text/csv', 'external_id,contact_type\n1,A\n');
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: 'region', message: expect.stringMatching(/^must be an ISO 3166-1 alpha-2 country code/) }]);
  });
});

const campaign = async (title = 'messages') => (await t.call(tenant, 'POST', '/campaigns', { title })).json().id as string;
const errorsOf = (res: { json(): { errors?: unknown } }) => res.json().errors;

describe('an empty body sent as application/json (what curl helpers do) is no body', () => {
  it.each(['', ' \n'])('routes without a body run (%j)', async (empty) => {
    const id = await campaign();
    const pdf = multipartBody([{ name: 'config', value: '{}' }, { name: 'attachment', fileName: 'a.pdf', data: minimalPdf(), contentType: 'application/pdf' }]);
    expect((await send('PUT', `/campaigns/${id}/mails`, pdf.contentType, pdf.payload)).statusCode).toBe(200);
    expect((await send('DELETE', `/campaigns/${id}/mails/attachment`, 'application/json', empty)).statusCode).toBe(204);
    expect((await send('POST', '/campaign-schedule', 'application/json', empty)).statusCode).toBe(200);
    expect((await send('DELETE', `/campaigns/${id}`, 'application/json', empty)).statusCode).toBe(204);
  });

  it('a route that needs a body answers its 400 naming body', async () => {
    const res = await send('POST', '/campaigns', 'application/json', '');
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(errorsOf(res)).toEqual([{ field: 'body', message: 'required: an object' }]);
  });

  it('invalid JSON is still a 400, naming body with the parser\'s reason', async () => {
    const res = await send('POST', '/campaigns', 'application/json', '{"title": ');
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(errorsOf(res)).toEqual([{ field: 'body', message: expect.stringMatching(/^is not valid JSON: ./) }]);
    expect(res.json().detail).toMatch(/^The body is not valid JSON: /);
    const poisoned = await send('POST', '/campaigns', 'application/json', '{"title": "a", "__proto__": {"x": 1}}');
    expect(poisoned.statusCode).toBe(400);
    expect(errorsOf(poisoned)).toEqual([{ field: 'body', message: expect.stringContaining('__proto__') }]);
  });

  it('a text/plain body on a JSON route is a 415 naming application/json', async () => {
    const res = await send('POST', '/campaigns', 'text/plain', 'title=a');
    expect(res.statusCode).toBe(415);
    expect(res.json().detail).toBe("This endpoint takes application/json; the request's Content-Type is text/plain");
    expect(res.json().errors).toEqual([{ field: 'content-type', message: res.json().detail }]);
  });
});

describe('a missing field is "required", with what it takes', () => {
  it.each([
    ['PUT', '/campaigns/:id/targets', {}, [{ field: 'contactType', message: 'required: a string or an array' }]],
    ['POST', '/campaigns', {}, [{ field: 'title', message: 'required: a string' }]],
    ['PUT', '/campaigns/:id/status', {}, [{ field: 'status', message: 'required: one of DRAFT, SCHEDULED, RUNNING, PAUSED, COMPLETED' }]],
    [
      'POST',
      '/campaigns/:id/schedule',
      { timeZone: 'UTC' },
      [
        { field: 'startOn', message: 'required: a string' },
        { field: 'operationFrequency', message: 'required: one of WEEKDAYS, DAILY, WEEKLY, MONTHLY, YEARLY' },
      ],
    ],
  ])('%s %s', async (method, url, body, errors) => {
    const res = await t.call(tenant, method, url.replace(':id', await campaign()), body);
    expect(res.statusCode).toBe(400);
    expect(errorsOf(res)).toEqual(errors);
  });

  it('a value of the wrong kind says what it must be instead', async () => {
    const res = await t.call(tenant, 'PUT', `/campaigns/${await campaign()}/targets`, { contactType: 5 });
    expect(errorsOf(res)).toEqual([{ field: 'contactType', message: 'must be a string or an array' }]);
    const title = await t.call(tenant, 'POST', '/campaigns', { title: 5 });
    expect(errorsOf(title)).toEqual([{ field: 'title', message: 'Invalid input: expected string, received number' }]);
  });
});

describe('an edit refused by the status says what fits that status', () => {
  const setStatus = (id: string, status: string) =>
    t.db.pool.query('UPDATE campaigns SET campaign_status = $2 WHERE id = $1', [id, status]);

  it.each([
    ['COMPLETED', /^a COMPLETED campaign cannot be edited: COMPLETED is final; create a new campaign instead$/],
    ['RUNNING', /^a RUNNING campaign cannot be edited; pause it first$/],
  ])('%s', async (status, message) => {
    const id = await campaign();
    await setStatus(id, status);
    const edit = await t.call(tenant, 'PUT', `/campaigns/${id}`, { title: 'changed' });
    expect([edit.statusCode, edit.json().detail]).toEqual([409, expect.stringMatching(message)]);
    // The attachment path checks the status before it stores the file, with the same words.
    const pdf = multipartBody([{ name: 'config', value: '{}' }, { name: 'attachment', fileName: 'a.pdf', data: minimalPdf(), contentType: 'application/pdf' }]);
    const upload = await send('PUT', `/campaigns/${id}/mails`, pdf.contentType, pdf.payload);
    expect([upload.statusCode, upload.json().detail]).toEqual([409, expect.stringMatching(message)]);
  });
});

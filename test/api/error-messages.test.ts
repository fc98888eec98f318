import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';

// Error texts name what the caller sent and what to send instead: the media types an endpoint
// really takes, the parameter by the name the caller used.

let t: TestApp;
let tenant: string;
beforeAll(async () => {
  t = await buildTestApp();
  tenant = newTenant();
});
afterAll(async () => t.close());

const send = async (method: string, url: string, contentType: string | undefined, payload?: string) =>
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

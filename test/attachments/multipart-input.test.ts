import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { minimalPdf } from '../../src/storage/test-files.js';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';
import { multipartBody, type Part } from './multipart.js';

// multipart/form-data that is not the form an endpoint takes: a body cut off (no closing
// boundary, inside a part, inside the file), no boundary at all, a part given twice or one the
// endpoint does not know. Each is a 400 problem+json naming the body or the part, never a 500,
// and nothing is stored: no config, no attachment row, no object, no contact.

let t: TestApp;
let dir: string;
let tenant: string;
let id: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'multipart-input-'));
  t = await buildTestApp({ env: { STORAGE_DIR: dir } });
  tenant = newTenant();
  id = (await t.call(tenant, 'POST', '/campaigns', { title: 'multipart' })).json().id;
});
afterAll(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

const send = async (method: string, url: string, contentType: string, payload: string | Buffer) =>
  t.app.http.inject({
    method: method as 'PUT',
    url,
    headers: { authorization: `Bearer ${await t.token(tenant)}`, 'content-type': contentType },
    payload,
  });

async function files(at: string): Promise<string[]> {
  const entries = await readdir(at, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(entries.map((e) => (e.isDirectory() ? files(path.join(at, e.name)) : [e.name])));
  return nested.flat();
}

const stored = async () => ({
  objects: await files(dir),
  attachments: (await t.db.pool.query('SELECT count(*)::int AS n FROM attachments')).rows[0].n as number,
  contacts: (await t.db.pool.query('SELECT count(*)::int AS n FROM contacts WHERE tenant_id = $1', [tenant])).rows[0].n as number,
  version: (await t.call(tenant, 'GET', `/campaigns/${id}`)).json().version as number,
});

/** The request, its 400 and its errors; asserts that nothing was stored. */
async function refused(method: string, url: string, contentType: string, payload: string | Buffer) {
  const before = await stored();
  const res = await send(method, url, contentType, payload);
  expect(res.statusCode, res.body).toBe(400);
  expect(res.headers['content-type']).toContain('application/problem+json');
  expect(await stored()).toEqual(before);
  return res.json() as { detail: string; errors: { field: string; message: string }[] };
}

const B = 'cut-boundary';
const ct = `multipart/form-data; boundary=${B}`;
const config = `--${B}\r\nContent-Disposition: form-data; name="config"\r\n\r\n{}\r\n`;
const fileHead = (name: string, fileName: string, type: string) =>
  `--${B}\r\nContent-Disposition: form-data; name="${name}"; filename="${fileName}"\r\nContent-Type: ${type}\r\n\r\n`;
const csv = 'external_id,contact_type,first_name\ne1,LEAD,Ann\ne2,LEAD,Bob\n';
const pdf = { name: 'attachment', fileName: 'a.pdf', data: minimalPdf(), contentType: 'application/pdf' };
const csvFile = (name = 'file', data = csv): Part => ({ name, fileName: 'c.csv', data: Buffer.from(data), contentType: 'text/csv' });
const CUT = /^the multipart\/form-data body is cut off/;

describe.each(['emails', 'whatsapp', 'mails'])('PUT /campaigns/{id}/%s with a broken multipart body', (channel) => {
  const url = () => `/campaigns/${id}/${channel}`;

  it.each([
    ['no closing boundary', config],
    ['a body that stops inside the config part', `--${B}\r\nContent-Disposition: form-data; name="config"\r\n\r\n{"sub`],
    ['a body that stops inside the file', config + fileHead('attachment', 'a.pdf', 'application/pdf') + minimalPdf().toString('latin1')],
  ])('%s', async (_name, body) => {
    const p = await refused('PUT', url(), ct, body);
    expect(p.errors).toEqual([{ field: 'body', message: expect.stringMatching(CUT) }]);
  });

  it('a multipart Content-Type without its boundary', async () => {
    const p = await refused('PUT', url(), 'multipart/form-data', config);
    expect(p.errors).toEqual([{ field: 'content-type', message: expect.stringContaining('boundary=') }]);
  });

  it.each([
    ['a second attachment', [pdf, { ...pdf, fileName: 'b.pdf' }], 'attachment', /only one "attachment" part is allowed/],
    ['a second config', [{ name: 'config', value: '{}' }], 'config', /only one "config" part is allowed/],
    ['an unknown part after the file', [pdf, { name: 'note', value: 'x' }], 'note', /it takes "config" \(the JSON body, first\) and "attachment"/],
    ['an unknown file part instead of the attachment', [{ ...pdf, name: 'file' }], 'file', /it takes "config"/],
  ])('%s is refused by name', async (_name, after, field, message) => {
    const { payload, contentType } = multipartBody([{ name: 'config', value: '{}' }, ...(after as Part[])]);
    const p = await refused('PUT', url(), contentType, payload);
    expect(p.errors).toEqual([{ field, message: expect.stringMatching(message) }]);
  });
});

describe('POST /contacts/imports with a broken multipart body', () => {
  it.each([
    ['no closing boundary', fileHead('file', 'c.csv', 'text/csv') + csv],
    ['a body that stops inside a field part', `--${B}\r\nContent-Disposition: form-data; name="region"\r\n\r\nD`],
  ])('%s', async (_name, body) => {
    const p = await refused('POST', '/contacts/imports', ct, body);
    expect(p.errors).toEqual([{ field: 'body', message: expect.stringMatching(CUT) }]);
  });

  it.each([
    ['a second file', [csvFile(), csvFile('file', 'external_id,contact_type\ne3,LEAD\n')], 'file', /only one "file" part is allowed/],
    ['an unknown part after the file', [csvFile(), { name: 'note', value: 'x' }], 'note', /it takes "contactType" and "region" \(optional, before the file\) and "file"/],
    ['an option after the file', [csvFile(), { name: 'region', value: 'DE' }], 'region', /must come before the "file" part/],
    ['an option given twice', [{ name: 'region', value: 'DE' }, { name: 'region', value: 'FR' }, csvFile()], 'region', /only one "region" part/],
    ['an unknown region', [{ name: 'region', value: 'ZZ' }, csvFile()], 'region', /ISO 3166-1 alpha-2 country code/],
    ['an unknown part before the file', [{ name: 'colour', value: 'red' }, csvFile()], 'colour', /it takes "contactType"/],
  ])('%s is refused by name', async (_name, parts, field, message) => {
    const { payload, contentType } = multipartBody(parts as Part[]);
    const p = await refused('POST', '/contacts/imports', contentType, payload);
    expect(p.errors).toEqual([{ field, message: expect.stringMatching(message) }]);
  });

  it('a well-formed import still works', async () => {
    const { payload, contentType } = multipartBody([{ name: 'region', value: 'de' }, csvFile('file', csv.replace(/e(\d)/g, 'ok$1'))]);
    const res = await send('POST', '/contacts/imports', contentType, payload);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ status: 'COMPLETED', imported: 2 });
  });
});

describe('PUT /campaigns/{id}/calls as multipart', () => {
  it('is a 415 that says calls take JSON only, and stores nothing', async () => {
    const before = await stored();
    const { payload, contentType } = multipartBody([{ name: 'config', value: JSON.stringify({ script: 'Hi' }) }]);
    const res = await send('PUT', `/campaigns/${id}/calls`, contentType, payload);
    expect(res.statusCode).toBe(415);
    expect(res.json().errors).toEqual([
      { field: 'content-type', message: `/campaigns/${id}/calls takes application/json only (a call has no attachment); multipart/form-data is for /emails, /whatsapp and /mails` },
    ]);
    expect(await stored()).toEqual(before);
    expect((await t.call(tenant, 'GET', `/campaigns/${id}/calls`)).json()).toBeNull();
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tenantPrefix } from '../../src/domain/attachments/index.js';
import { makeObjectStore } from '../../src/storage/make-store.js';
import type { ObjectStore } from '../../src/storage/object-store.js';
import { PNG_BYTES, minimalPdf } from '../../src/storage/test-files.js';
import { startS3Server, type FakeS3Server } from '../fakes/s3-server.js';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';
import { multipartBody, type Part } from './multipart.js';

// Attachments through the HTTP layer, on the local directory store and on an S3 server, with
// the default ATTACHMENT_MAX_BYTES (20 MiB). Every test checks the store itself afterwards.

const MAX = 20 * 1_048_576;
const TEMPLATE_ID = '11111111-2222-4333-8444-555555555555';

interface Driver {
  name: string;
  setup(): Promise<{ env: Record<string, string>; s3?: FakeS3Server; cleanup(): Promise<void> }>;
}

const drivers: Driver[] = [
  {
    name: 'local',
    async setup() {
      const dir = await mkdtemp(path.join(tmpdir(), 'attachments-test-'));
      return { env: { STORAGE_DIR: dir }, cleanup: () => rm(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 's3',
    async setup() {
      const s3 = await startS3Server();
      return {
        s3,
        env: {
          STORAGE_DRIVER: 's3',
          S3_ENDPOINT: s3.endpoint,
          S3_REGION: s3.region,
          S3_BUCKET: s3.bucket,
          S3_ACCESS_KEY_ID: s3.accessKeyId,
          S3_SECRET_ACCESS_KEY: s3.secretAccessKey,
          S3_FORCE_PATH_STYLE: 'true',
          S3_CHECKSUM_WHEN_REQUIRED: 'true',
        },
        cleanup: () => s3.close(),
      };
    },
  },
];

/** Bytes that sniff as a PDF: the PDF signature, then random bytes. */
function pdfOfSize(size: number): Buffer {
  const b = randomBytes(size);
  b.write('%PDF-1.7\n', 0, 'latin1');
  return b;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(drivers)('attachments on the $name store', (driver) => {
  let t: TestApp;
  let store: ObjectStore;
  let s3: FakeS3Server | undefined;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const d = await driver.setup();
    s3 = d.s3;
    cleanup = d.cleanup;
    t = await buildTestApp({ env: d.env });
    expect(t.config.storage.attachmentMaxBytes).toBe(MAX);
    store = makeObjectStore({ ...t.config.storage, s3: t.config.storage.s3 });
  });
  afterAll(async () => {
    await t?.close();
    await cleanup?.();
  });

  async function keysOf(tenant: string): Promise<string[]> {
    const out: string[] = [];
    for await (const o of store.list(tenantPrefix(tenant))) out.push(o.key);
    return out.sort();
  }

  async function rowsOf(tenant: string): Promise<{ id: string; object_key: string; size: number; sha256: string }[]> {
    const { rows } = await t.db.pool.query(
      'SELECT id, object_key, size, sha256 FROM attachments WHERE tenant_id = $1 ORDER BY created_at',
      [tenant],
    );
    return rows;
  }

  async function campaign(tenant: string, flags: Record<string, boolean> = { email: true }): Promise<string> {
    const res = await t.call(tenant, 'POST', '/campaigns', { title: 'With attachment', ...flags });
    expect(res.statusCode).toBe(201);
    return res.json().id;
  }

  async function putMultipart(tenant: string, url: string, parts: Part[], headers: Record<string, string> = {}) {
    const { payload, contentType } = multipartBody(parts);
    return t.app.http.inject({
      method: 'PUT',
      url,
      headers: { authorization: `Bearer ${await t.token(tenant)}`, 'content-type': contentType, ...headers },
      payload,
    });
  }

  const config = (value: unknown): Part => ({ name: 'config', value: JSON.stringify(value), contentType: 'application/json' });
  const file = (fileName: string, data: Buffer, contentType = 'application/octet-stream'): Part => ({
    name: 'attachment',
    fileName,
    data,
    contentType,
  });

  it('uploads a 12,000,000-byte file and downloads it byte-identical', async () => {
    const tenant = newTenant();
    const id = await campaign(tenant);
    const data = pdfOfSize(12_000_000);
    const requestsBefore = s3?.requests.length ?? 0;

    const res = await putMultipart(tenant, `/campaigns/${id}/emails`, [
      config({ templateId: TEMPLATE_ID, sourceEmail: 'news@example.com', templateData: { offer: 'X1' } }),
      file('Spring offer ü.pdf', data),
    ]);
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({
      templateId: TEMPLATE_ID,
      sourceEmail: 'news@example.com',
      templateData: { offer: 'X1' },
      attachment: { fileName: 'Spring offer ü.pdf', contentType: 'application/pdf', size: 12_000_000 },
    });
    const attachmentId = body.attachment.id as string;
    expect(res.headers.etag).toBe('"2"');

    if (s3) {
      // 12 MB in 5 MiB parts: a multipart upload of three parts, completed.
      const made = s3.requests.slice(requestsBefore);
      expect(made.filter((r) => r.method === 'POST' && r.url.includes('?uploads')).length).toBe(1);
      expect(made.filter((r) => r.method === 'PUT' && /[?&]partNumber=/.test(r.url)).length).toBe(3);
    }
    expect(await keysOf(tenant)).toEqual([`${tenantPrefix(tenant)}${attachmentId}`]);
    expect(await rowsOf(tenant)).toEqual([
      { id: attachmentId, object_key: `${tenantPrefix(tenant)}${attachmentId}`, size: 12_000_000, sha256: sha(data) },
    ]);

    const got = await t.call(tenant, 'GET', `/campaigns/${id}/emails`);
    expect(got.json().attachment).toEqual({ id: attachmentId, fileName: 'Spring offer ü.pdf', contentType: 'application/pdf', size: 12_000_000 });

    const dl = await t.call(tenant, 'GET', `/attachments/${attachmentId}`);
    expect(dl.statusCode).toBe(200);
    expect(dl.headers['content-type']).toBe('application/pdf');
    expect(dl.headers['content-length']).toBe('12000000');
    expect(dl.headers['content-disposition']).toBe(
      `attachment; filename="Spring offer u.pdf"; filename*=UTF-8''Spring%20offer%20%C3%BC.pdf`,
    );
    expect(dl.headers['x-content-type-options']).toBe('nosniff');
    expect(dl.rawPayload.length).toBe(12_000_000);
    expect(dl.rawPayload.equals(data)).toBe(true);
  });

  it('answers 413 over the size limit and leaves nothing behind', async () => {
    const tenant = newTenant();
    const id = await campaign(tenant);
    const res = await putMultipart(tenant, `/campaigns/${id}/emails`, [
      config({ sourceEmail: 'news@example.com' }),
      file('too-big.pdf', pdfOfSize(MAX + 1)),
    ]);
    expect(res.statusCode, res.body).toBe(413);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 413, maxBytes: MAX });
    expect(await keysOf(tenant)).toEqual([]);
    expect(await rowsOf(tenant)).toEqual([]);
    if (s3) {
      // No multipart upload left open either (its parts would be billed storage).
      const list = await fetch(`${s3.endpoint}/${s3.bucket}?uploads&prefix=${encodeURIComponent(tenantPrefix(tenant))}`);
      expect(await list.text()).not.toContain('<Upload>');
    }
    // The config was not written and the campaign was not edited.
    expect((await t.call(tenant, 'GET', `/campaigns/${id}/emails`)).json()).toBeNull();
    expect((await t.call(tenant, 'GET', `/campaigns/${id}`)).json().version).toBe(1);
  });

  it('answers 415 for PNG bytes named .pdf and stores nothing', async () => {
    const tenant = newTenant();
    const id = await campaign(tenant);
    const res = await putMultipart(tenant, `/campaigns/${id}/emails`, [
      config({ sourceEmail: 'news@example.com' }),
      file('invoice.pdf', PNG_BYTES, 'application/pdf'),
    ]);
    expect(res.statusCode, res.body).toBe(415);
    expect(res.json().detail).toBe('file content is PNG but the name says .pdf');
    expect(await keysOf(tenant)).toEqual([]);
    expect(await rowsOf(tenant)).toEqual([]);
  });

  it('replacing an attachment deletes the old object; a JSON PUT keeps the attachment', async () => {
    const tenant = newTenant();
    const id = await campaign(tenant, { whatsapp: true });
    const first = await putMultipart(tenant, `/campaigns/${id}/whatsapp`, [config({ templateId: TEMPLATE_ID }), file('header.png', PNG_BYTES)]);
    expect(first.statusCode, first.body).toBe(200);
    const oldId = first.json().attachment.id as string;
    expect(first.json().attachment).toMatchObject({ contentType: 'image/png', size: PNG_BYTES.length });
    expect(await keysOf(tenant)).toEqual([`${tenantPrefix(tenant)}${oldId}`]);

    const pdf = minimalPdf();
    const second = await putMultipart(tenant, `/campaigns/${id}/whatsapp`, [config({ templateId: TEMPLATE_ID }), file('terms.pdf', pdf)], {
      'if-match': '"2"',
    });
    expect(second.statusCode, second.body).toBe(200);
    const newId = second.json().attachment.id as string;
    expect(newId).not.toBe(oldId);
    expect(await keysOf(tenant)).toEqual([`${tenantPrefix(tenant)}${newId}`]);
    expect((await rowsOf(tenant)).map((r) => r.id)).toEqual([newId]);
    expect((await t.call(tenant, 'GET', `/attachments/${oldId}`)).statusCode).toBe(404);
    expect((await t.call(tenant, 'GET', `/attachments/${newId}`)).rawPayload.equals(pdf)).toBe(true);

    // A JSON PUT changes the config and leaves the attachment as it is.
    const json = await t.call(tenant, 'PUT', `/campaigns/${id}/whatsapp`, { templateId: TEMPLATE_ID, templateData: { a: 1 } });
    expect(json.json()).toEqual({
      templateId: TEMPLATE_ID,
      templateData: { a: 1 },
      attachment: { id: newId, fileName: 'terms.pdf', contentType: 'application/pdf', size: pdf.length },
    });
    expect(await keysOf(tenant)).toEqual([`${tenantPrefix(tenant)}${newId}`]);
  });

  it('DELETE removes the row and the object', async () => {
    const tenant = newTenant();
    const id = await campaign(tenant, { mail: true });
    const up = await putMultipart(tenant, `/campaigns/${id}/mails`, [config({ subject: 'S', message: 'M' }), file('notes.txt', Buffer.from('hello\n'))]);
    expect(up.statusCode, up.body).toBe(200);
    const attachmentId = up.json().attachment.id as string;
    expect(up.json().attachment.contentType).toBe('text/plain; charset=utf-8');

    const del = await t.call(tenant, 'DELETE', `/campaigns/${id}/mails/attachment`);
    expect(del.statusCode).toBe(204);
    expect(del.headers.etag).toBe('"3"');
    expect(await keysOf(tenant)).toEqual([]);
    expect(await rowsOf(tenant)).toEqual([]);
    expect((await t.call(tenant, 'GET', `/campaigns/${id}/mails`)).json()).toEqual({
      subject: 'S',
      message: 'M',
      responseUrl: null,
      landingUrl: null,
      attachment: null,
    });
    expect((await t.call(tenant, 'GET', `/attachments/${attachmentId}`)).statusCode).toBe(404);
    expect((await t.call(tenant, 'DELETE', `/campaigns/${id}/mails/attachment`)).statusCode).toBe(404);
  });

  it("answers 404 to tenant B for tenant A's attachment and campaign routes", async () => {
    const a = newTenant('a');
    const b = newTenant('b');
    const id = await campaign(a);
    const up = await putMultipart(a, `/campaigns/${id}/emails`, [config({ sourceEmail: 'a@example.com' }), file('a.png', PNG_BYTES)]);
    const attachmentId = up.json().attachment.id as string;

    expect((await t.call(b, 'GET', `/attachments/${attachmentId}`)).statusCode).toBe(404);
    expect((await t.call(b, 'GET', `/attachments/${attachmentId}?redirect=1`)).statusCode).toBe(404);
    expect((await t.call(b, 'DELETE', `/campaigns/${id}/emails/attachment`)).statusCode).toBe(404);
    expect((await t.call(b, 'GET', `/campaigns/${id}/emails`)).statusCode).toBe(404);
    const steal = await putMultipart(b, `/campaigns/${id}/emails`, [config({ sourceEmail: 'b@example.com' }), file('b.png', PNG_BYTES)]);
    expect(steal.statusCode, steal.body).toBe(404);

    expect(await keysOf(b)).toEqual([]);
    expect(await keysOf(a)).toEqual([`${tenantPrefix(a)}${attachmentId}`]);
    expect((await t.call(a, 'GET', `/attachments/${attachmentId}`)).rawPayload.equals(PNG_BYTES)).toBe(true);
  });

  it('answers 400 naming the field for a bad config part and stores nothing', async () => {
    const tenant = newTenant();
    const id = await campaign(tenant);
    const bad = await putMultipart(tenant, `/campaigns/${id}/emails`, [config({ sourceEmail: 'not-an-email' }), file('a.png', PNG_BYTES)]);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([{ field: 'sourceEmail', message: 'must be an email address' }]);
    // The same error as the JSON body gets.
    const asJson = await t.call(tenant, 'PUT', `/campaigns/${id}/emails`, { sourceEmail: 'not-an-email' });
    expect(asJson.json().errors).toEqual(bad.json().errors);

    const unknown = await putMultipart(tenant, `/campaigns/${id}/emails`, [config({ colour: 'red' }), file('a.png', PNG_BYTES)]);
    expect(unknown.json().errors).toEqual([{ field: 'colour', message: 'unknown field' }]);
    const notJson = await putMultipart(tenant, `/campaigns/${id}/emails`, [{ name: 'config', value: '{oops' }, file('a.png', PNG_BYTES)]);
    expect(notJson.statusCode).toBe(400);
    expect(notJson.json().errors[0].field).toBe('config');
    const fileFirst = await putMultipart(tenant, `/campaigns/${id}/emails`, [file('a.png', PNG_BYTES), config({})]);
    expect(fileFirst.statusCode).toBe(400);
    expect(fileFirst.json().errors[0].field).toBe('config');

    expect(await keysOf(tenant)).toEqual([]);
    expect(await rowsOf(tenant)).toEqual([]);
    expect((await t.call(tenant, 'GET', `/campaigns/${id}`)).json().version).toBe(1);
  });

  it('answers 409 for a RUNNING campaign and stores nothing', async () => {
    const tenant = newTenant();
    const id = await campaign(tenant, { mail: true });
    expect((await t.call(tenant, 'PUT', `/campaigns/${id}/mails`, { subject: 'S', message: 'M' })).statusCode).toBe(200);
    expect((await t.call(tenant, 'PUT', `/campaigns/${id}/targets`, { contactType: 'CUSTOMER' })).statusCode).toBe(200);
    const run = await t.call(tenant, 'PUT', `/campaigns/${id}/status`, { status: 'RUNNING' });
    expect(run.statusCode, run.body).toBe(200);

    const res = await putMultipart(tenant, `/campaigns/${id}/mails`, [config({ subject: 'S2', message: 'M' }), file('a.png', PNG_BYTES)]);
    expect(res.statusCode, res.body).toBe(409);
    expect(res.json().campaignStatus).toBe('RUNNING');
    expect(await keysOf(tenant)).toEqual([]);
    expect(await rowsOf(tenant)).toEqual([]);
    expect((await t.call(tenant, 'DELETE', `/campaigns/${id}/mails/attachment`)).statusCode).toBe(409);
    expect((await t.call(tenant, 'GET', `/campaigns/${id}/mails`)).json().subject).toBe('S');
  });

  it('works over a real socket with FormData, including a 413 while the client is still sending', async () => {
    const tenant = newTenant();
    const id = await campaign(tenant);
    const address = await t.app.http.listen({ port: 0, host: '127.0.0.1' });
    const send = async (data: Buffer, name: string) => {
      const form = new FormData();
      form.append('config', JSON.stringify({ sourceEmail: 'news@example.com' }));
      form.append('attachment', new Blob([new Uint8Array(data)]), name);
      return fetch(`${address}/campaigns/${id}/emails`, {
        method: 'PUT',
        body: form,
        headers: { authorization: `Bearer ${await t.token(tenant)}` },
      });
    };
    const data = pdfOfSize(3_000_000);
    const ok = await send(data, 'flyer.pdf');
    expect(ok.status).toBe(200);
    const attachmentId = (await ok.json()).attachment.id as string;
    const down = await fetch(`${address}/attachments/${attachmentId}`, { headers: { authorization: `Bearer ${await t.token(tenant)}` } });
    expect(Buffer.from(await down.arrayBuffer()).equals(data)).toBe(true);

    const tooBig = await send(pdfOfSize(MAX + 100_000), 'huge.pdf');
    expect(tooBig.status).toBe(413);
    expect(await keysOf(tenant)).toEqual([`${tenantPrefix(tenant)}${attachmentId}`]);
  });

  it('redirects to a presigned URL on S3 with ?redirect=1, and streams on the local store', async () => {
    const tenant = newTenant();
    const id = await campaign(tenant);
    const up = await putMultipart(tenant, `/campaigns/${id}/emails`, [config({}), file('pic.png', PNG_BYTES)]);
    const attachmentId = up.json().attachment.id as string;
    const res = await t.call(tenant, 'GET', `/attachments/${attachmentId}?redirect=1`);
    if (s3) {
      expect(res.statusCode).toBe(302);
      const location = new URL(res.headers.location as string);
      expect(location.origin).toBe(s3.endpoint);
      expect(location.pathname).toBe(`/${s3.bucket}/${tenantPrefix(tenant)}${attachmentId}`);
      expect(location.searchParams.get('X-Amz-Expires')).toBe('300');
      const direct = await fetch(location);
      expect(Buffer.from(await direct.arrayBuffer()).equals(PNG_BYTES)).toBe(true);
    } else {
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.equals(PNG_BYTES)).toBe(true);
    }
  });
});

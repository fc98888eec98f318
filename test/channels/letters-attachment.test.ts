import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PNG_BYTES } from '../../src/storage/test-files.js';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';
import { readyCampaign, seedContacts, setStatus } from '../engine/helpers.js';
import { multipartBody } from '../attachments/multipart.js';

// Issue 7 item 4 for letters: the print PDF appends the mail config's attachment behind every
// letter when asked (appendAttachment=true), through the API on a real database and store.

async function brochure(): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A5' });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => doc.on('end', r));
  doc.fontSize(20).text('Enclosed: our spring brochure');
  doc.addPage({ size: 'A5' }).fontSize(20).text('Enclosed: price list');
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

describe('letters PDF with the campaign attachment appended', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    t = await buildTestApp({ env: { PUBLIC_BASE_URL: 'https://mail.example.test' } });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'letters-att-'));
  });
  afterAll(async () => {
    await t?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A mail campaign of n letters with this attachment, run to completion. */
  async function lettersWith(tenant: string, n: number, attachment?: { fileName: string; data: Buffer; contentType: string }) {
    await seedContacts(t.db.pool, tenant, n);
    const id = await readyCampaign(t, tenant, { channels: ['mail'] });
    const config = { subject: 'Hello {{ contact.firstName }}', message: 'Please see the enclosure.' };
    if (attachment) {
      const { payload, contentType } = multipartBody([
        { name: 'config', value: JSON.stringify(config), contentType: 'application/json' },
        { name: 'attachment', fileName: attachment.fileName, data: attachment.data, contentType: attachment.contentType },
      ]);
      const put = await t.call(tenant, 'PUT', `/campaigns/${id}/mails`, payload, { 'content-type': contentType });
      expect(put.statusCode, put.body).toBe(200);
    } else {
      expect((await t.call(tenant, 'PUT', `/campaigns/${id}/mails`, config)).statusCode).toBe(200);
    }
    await setStatus(t, tenant, id, 'RUNNING');
    for (let i = 0; i < 10 && (await t.app.execution.dispatcher.runBatch(tenant, id)).result === 'dispatched'; i++);
    return id;
  }

  const pdfOf = async (tenant: string, id: string, query: string, name: string) => {
    const res = await t.call(tenant, 'GET', `/campaigns/${id}/mails/print?format=pdf${query}`);
    const file = path.join(dir, name);
    fs.writeFileSync(file, res.rawPayload);
    return { res, file };
  };
  const pages = (file: string) => Number(/^Pages:\s+(\d+)$/m.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
  const text = (file: string, page: number) => execFileSync('pdftotext', ['-f', String(page), '-l', String(page), file, '-'], { encoding: 'utf8' });

  it('prints each PDF page of the attachment behind every letter; without the flag, letters only', async () => {
    const tenant = newTenant('encl');
    const id = await lettersWith(tenant, 3, { fileName: 'brochure.pdf', data: await brochure(), contentType: 'application/pdf' });
    const withIt = await pdfOf(tenant, id, '&appendAttachment=true', 'with.pdf');
    expect(withIt.res.statusCode).toBe(200);
    expect(withIt.res.headers['content-type']).toBe('application/pdf');
    expect(pages(withIt.file)).toBe(9);
    const letterPages = [1, 4, 7].map((p) => text(withIt.file, p));
    expect(letterPages.every((s) => /Hello Name\d/.test(s))).toBe(true);
    for (const p of [2, 5, 8]) expect(text(withIt.file, p)).toContain('Enclosed: our spring brochure');
    for (const p of [3, 6, 9]) expect(text(withIt.file, p)).toContain('Enclosed: price list');

    const without = await pdfOf(tenant, id, '', 'without.pdf');
    expect(pages(without.file)).toBe(3);
    expect(text(without.file, 2)).not.toContain('Enclosed');
  });

  it('prints a PNG attachment as one page per letter', async () => {
    const tenant = newTenant('enclpng');
    const id = await lettersWith(tenant, 2, { fileName: 'flyer.png', data: PNG_BYTES, contentType: 'image/png' });
    const { res, file } = await pdfOf(tenant, id, '&appendAttachment=true&pageSize=LETTER', 'png.pdf');
    expect(res.statusCode).toBe(200);
    expect(pages(file)).toBe(4);
  });

  it('answers 400 naming appendAttachment when there is none or it cannot be printed', async () => {
    const none = newTenant('enclnone');
    const id = await lettersWith(none, 1);
    const r1 = await t.call(none, 'GET', `/campaigns/${id}/mails/print?format=pdf&appendAttachment=true`);
    expect(r1.statusCode).toBe(400);
    expect(r1.json().errors).toEqual([{ field: 'appendAttachment', message: "the campaign's mail config has no attachment" }]);

    const gif = newTenant('enclgif');
    const gifBytes = Buffer.concat([Buffer.from('GIF89a', 'latin1'), Buffer.alloc(64)]);
    const id2 = await lettersWith(gif, 1, { fileName: 'anim.gif', data: gifBytes, contentType: 'image/gif' });
    const r2 = await t.call(gif, 'GET', `/campaigns/${id2}/mails/print?format=pdf&appendAttachment=true`);
    expect(r2.statusCode).toBe(400);
    expect(r2.json().errors[0].field).toBe('appendAttachment');
    expect(r2.json().detail).toContain('image/gif');

    const bad = await t.call(gif, 'GET', `/campaigns/${id2}/mails/print?format=pdf&appendAttachment=yes`);
    expect(bad.statusCode).toBe(400);
    // Another tenant cannot print it at all.
    expect((await t.call(none, 'GET', `/campaigns/${id2}/mails/print?format=pdf&appendAttachment=true`)).statusCode).toBe(404);
  });
});

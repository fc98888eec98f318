import { spawnSync } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeQrFiles, readPng } from '../../src/channels/mail/qr-testkit.js';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';
import { ledgerStatuses } from '../engine/helpers.js';
import { decodeBase64Pngs, expectedScanUrl, PUBLIC_BASE_URL, readPrintBatch, runMailCampaign, tmpDir } from './helpers.js';

// The print batch through HTTP on a campaign run by the real engine: JSON pages whose QR codes
// zbar decodes to the exact scan URLs, and the streamed PDF checked with poppler and zbar.

let t: TestApp;
beforeAll(async () => {
  t = await buildTestApp({ env: { ROLE: 'api', PUBLIC_BASE_URL, QR_WORKER_THREADS: '2' } });
});
afterAll(async () => t.close());

const OWN_SCAN = `${PUBLIC_BASE_URL}/r`;

async function getPdf(tenant: string, url: string): Promise<{ status: number; file: string; headers: Record<string, unknown> }> {
  const res = await t.call(tenant, 'GET', url);
  const file = path.join(tmpDir('mail-pdf-'), 'letters.pdf');
  writeFileSync(file, res.rawPayload);
  return { status: res.statusCode, file, headers: res.headers };
}

function pdfInfo(file: string): Record<string, string> {
  const out = spawnSync('pdfinfo', [file], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(out.stderr);
  return Object.fromEntries(out.stdout.split('\n').filter(Boolean).map((l) => [l.split(':')[0], l.slice(l.indexOf(':') + 1).trim()]));
}

/** Renders one page with pdftoppm and decodes its QR code. */
function decodePage(file: string, page: number): string[] {
  const dir = tmpDir('mail-page-');
  const r = spawnSync('pdftoppm', ['-f', String(page), '-l', String(page), '-r', '150', '-png', file, path.join(dir, 'p')]);
  if (r.status !== 0) throw new Error(String(r.stderr));
  return decodeQrFiles(readdirSync(dir).map((f) => path.join(dir, f)));
}

describe('the print batch', () => {
  it('lists the letters handed to print, page by page, with QR codes that decode to their scan URLs', async () => {
    const tenant = newTenant();
    // Contact 3 has no postal address: the freeze skips it, it never reaches the print batch.
    const run = await runMailCampaign(t, tenant, 12, { contact: (i) => (i === 3 ? { address: null } : {}) });
    expect(await ledgerStatuses(t.db.pool, tenant, run.campaignId)).toEqual({ SENT: 11, SKIPPED: 1 });

    const { items, pages } = await readPrintBatch(t, tenant, run.campaignId, 5);
    expect(pages).toBe(3);
    expect(items).toHaveLength(11);
    expect(new Set(items.map((i) => i.trackId)).size).toBe(11);
    for (const item of items) {
      expect(item.trackId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      expect(item.scanUrl).toBe(expectedScanUrl(OWN_SCAN, item.trackId, run.campaignId, 'LEAD'));
      expect(item.contact.name).toMatch(/^Name\d+$/);
      expect(item.contact.address).toMatchObject({ city: 'Berlin', postalCode: '10115' });
      const png = readPng(Buffer.from(item.qrCode, 'base64'));
      expect([png.width, png.height, png.crcOk]).toEqual([300, 300, true]);
    }
    expect(decodeBase64Pngs(items.map((i) => i.qrCode))).toEqual(items.map((i) => i.scanUrl));

    // The ledger agrees: the printed tracking ids are exactly the SENT MAIL rows.
    const ledger = await t.call(tenant, 'GET', `/campaigns/${run.campaignId}/dispatches?status=SENT&limit=200`);
    expect(ledger.json().items.map((d: { trackingId: string }) => d.trackingId).sort()).toEqual(items.map((i) => i.trackId).sort());
  });

  it('100 QR codes of one page decode to exactly the expected URLs, with a responseUrl that has its own query and fragment', async () => {
    const tenant = newTenant();
    const responseUrl = 'https://promo.example.com/spring offer?src=letter&utm_medium=print#claim';
    const run = await runMailCampaign(t, tenant, 100, { contactType: 'VIP+A/B=C', mail: { responseUrl } });
    const res = await t.call(tenant, 'GET', `/campaigns/${run.campaignId}/mails/print?limit=100`);
    expect(res.statusCode).toBe(200);
    const { items, nextCursor } = res.json() as { items: { trackId: string; qrCode: string }[]; nextCursor: string | null };
    expect(items).toHaveLength(100);
    expect(nextCursor).toBeNull();
    const expected = items.map(
      (i) =>
        `https://promo.example.com/spring%20offer?src=letter&utm_medium=print&trackId=${i.trackId}` +
        `&campaignId=${run.campaignId}&contactType=VIP%2BA%2FB%3DC#claim`,
    );
    expect(decodeBase64Pngs(items.map((i) => i.qrCode))).toEqual(expected);
  });

  it('streams a PDF with one page per letter whose QR code decodes to that letter', async () => {
    const tenant = newTenant();
    const run = await runMailCampaign(t, tenant, 7);
    const { items } = await readPrintBatch(t, tenant, run.campaignId);

    const a4 = await getPdf(tenant, `/campaigns/${run.campaignId}/mails/print?format=pdf`);
    expect(a4.status).toBe(200);
    expect(a4.headers['content-type']).toBe('application/pdf');
    expect(a4.headers['content-disposition']).toBe(`attachment; filename="letters-${run.campaignId}.pdf"`);
    const info = pdfInfo(a4.file);
    expect(info.Pages).toBe('7');
    expect(info['Page size']).toMatch(/^595\.2\d* x 841\.8\d* pts \(A4\)/);
    expect(decodePage(a4.file, 3)).toEqual([items[2].scanUrl]);
    expect(decodePage(a4.file, 7)).toEqual([items[6].scanUrl]);

    const letter = await getPdf(tenant, `/campaigns/${run.campaignId}/mails/print?format=pdf&pageSize=LETTER`);
    expect(pdfInfo(letter.file)).toMatchObject({ Pages: '7', 'Page size': '612 x 792 pts (letter)' });
    expect(decodePage(letter.file, 1)).toEqual([items[0].scanUrl]);

    // A page range: `limit` letters after `cursor`.
    const first = (await t.call(tenant, 'GET', `/campaigns/${run.campaignId}/mails/print?limit=2`)).json();
    const rest = await getPdf(tenant, `/campaigns/${run.campaignId}/mails/print?format=pdf&cursor=${first.nextCursor}`);
    expect(pdfInfo(rest.file).Pages).toBe('5');
    expect(decodePage(rest.file, 1)).toEqual([items[2].scanUrl]);
    const two = await getPdf(tenant, `/campaigns/${run.campaignId}/mails/print?format=pdf&cursor=${first.nextCursor}&limit=2`);
    expect(pdfInfo(two.file).Pages).toBe('2');
    expect(decodePage(two.file, 2)).toEqual([items[3].scanUrl]);

    // The subject's placeholder is filled per letter.
    const text = spawnSync('pdftotext', ['-f', '1', '-l', '1', a4.file, '-'], { encoding: 'utf8' }).stdout;
    expect(text).toContain(`Your voucher, ${items[0].contact.name}`);
  });

  it('streams a batch larger than one read chunk in ledger order', async () => {
    const tenant = newTenant();
    const run = await runMailCampaign(t, tenant, 300);
    const { items } = await readPrintBatch(t, tenant, run.campaignId);
    expect(items).toHaveLength(300);
    const pdf = await getPdf(tenant, `/campaigns/${run.campaignId}/mails/print?format=pdf`);
    expect(pdfInfo(pdf.file).Pages).toBe('300');
    expect(decodePage(pdf.file, 129)).toEqual([items[128].scanUrl]);
    expect(decodePage(pdf.file, 300)).toEqual([items[299].scanUrl]);
  });

  it('answers an empty batch, a bad cursor and bad parameters', async () => {
    const tenant = newTenant();
    const created = await t.call(tenant, 'POST', '/campaigns', { title: 'No letters yet', mail: true });
    const id = created.json().id;
    expect((await t.call(tenant, 'GET', `/campaigns/${id}/mails/print`)).json()).toEqual({ items: [], nextCursor: null });
    const empty = await getPdf(tenant, `/campaigns/${id}/mails/print?format=pdf`);
    expect(pdfInfo(empty.file).Pages).toBe('1');
    const bad = await t.call(tenant, 'GET', `/campaigns/${id}/mails/print?cursor=nonsense`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors).toEqual([{ field: 'cursor', message: 'invalid cursor' }]);
    expect((await t.call(tenant, 'GET', `/campaigns/${id}/mails/print?limit=201`)).statusCode).toBe(400);
    expect((await t.call(tenant, 'GET', `/campaigns/${id}/mails/print?pageSize=A5&format=pdf`)).statusCode).toBe(400);
  });

  it("hides a tenant's print batch from another tenant", async () => {
    const a = newTenant('a');
    const b = newTenant('b');
    const run = await runMailCampaign(t, a, 2);
    for (const url of [`/campaigns/${run.campaignId}/mails/print`, `/campaigns/${run.campaignId}/mails/print?format=pdf`]) {
      const res = await t.call(b, 'GET', url);
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect((await t.call(a, 'GET', `/campaigns/${run.campaignId}/mails/print`)).json().items).toHaveLength(2);
  });
});

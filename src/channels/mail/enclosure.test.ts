import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors.js';
import { PNG_BYTES } from '../../storage/test-files.js';
import { loadEnclosure } from './enclosure.js';
import { renderLettersPdf, type Letter } from './letters-pdf.js';
import { makeQrPngEncoder } from './qr-png.js';
import { decodeQrFiles } from './qr-testkit.js';

const qr = makeQrPngEncoder();

const letter = (i: number): Letter => ({
  name: `Erika Mustermann ${i}`,
  address: { line1: `Hauptstraße ${i}`, postalCode: '10115', city: 'Berlin', country: 'Germany' },
  subject: `Invitation ${i}`,
  message: 'Please find our brochure enclosed.',
  qrPng: qr.png(`https://engine.test/r?trackId=${i}`),
  scanUrl: `https://engine.test/r?trackId=${i}`,
});

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A 160×160 RGB PNG of noise: about 75 kB that no compression shrinks. */
function noisePng(): Buffer {
  const w = 160;
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(w, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.concat(Array.from({ length: w }, () => Buffer.concat([Buffer.from([0]), randomBytes(w * 3)])));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** A two-page PDF made elsewhere: A5 with text, a QR image and a photo, then landscape Letter with text. */
async function brochure(): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A5', margin: 40 });
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((r) => doc.on('end', r));
  doc.font('Times-Roman').fontSize(18).text('Brochure page one: spring offers');
  doc.image(qr.png('ENCLOSURE-QR-CODE'), 40, 120, { width: 200 });
  doc.image(noisePng(), 40, 340, { width: 160 });
  doc.addPage({ size: 'LETTER', layout: 'landscape' });
  doc.font('Courier').fontSize(14).text('Brochure page two: terms and conditions');
  doc.end();
  await done;
  return Buffer.concat(chunks);
}

function pdfinfo(file: string, pages?: number): string {
  return execFileSync('pdfinfo', pages ? ['-f', '1', '-l', String(pages), file] : [file], { encoding: 'utf8' });
}
const textOf = (file: string, page: number) => execFileSync('pdftotext', ['-f', String(page), '-l', String(page), file, '-'], { encoding: 'utf8' });

describe('letters with an enclosure', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'enclosure-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const render = async (name: string, n: number, enclosure?: Awaited<ReturnType<typeof loadEnclosure>>) => {
    const file = path.join(dir, name);
    await renderLettersPdf(Array.from({ length: n }, (_, i) => letter(i)), { pageSize: 'A4', ...(enclosure ? { enclosure } : {}) }, fs.createWriteStream(file));
    return file;
  };

  it('appends every page of a PDF attachment behind each letter, text and images intact, stored once', async () => {
    const pdf = await brochure();
    const enclosure = await loadEnclosure(pdf, 'application/pdf');
    expect(enclosure.pageCount).toBe(2);
    const file = await render('pdf.pdf', 3, enclosure);
    const info = pdfinfo(file, 9);
    expect(info).toMatch(/^Pages:\s+9$/m);
    expect(info).toMatch(/^Page\s+1 size:\s+595\.2\d* x 841\.8\d* pts \(A4\)/m);
    expect(info).toMatch(/^Page\s+2 size:\s+419\.5\d* x 595\.2\d* pts/m);
    expect(info).toMatch(/^Page\s+3 size:\s+792 x 612 pts/m);
    expect(info).toMatch(/^Page\s+8 size:\s+419\.5\d* x 595\.2\d* pts/m);
    for (const [page, want] of [[1, 'Erika Mustermann 0'], [2, 'Brochure page one: spring offers'], [3, 'Brochure page two: terms and conditions'], [4, 'Erika Mustermann 1'], [8, 'Brochure page one'], [9, 'terms and conditions']] as const) {
      expect(textOf(file, page), `page ${page}`).toContain(want);
    }
    // The enclosure's own image came along: its QR code decodes from the printed page.
    execFileSync('pdftoppm', ['-r', '150', '-png', '-f', '5', '-l', '5', file, path.join(dir, 'enc')]);
    const png = fs.readdirSync(dir).map((f) => path.join(dir, f)).find((f) => path.basename(f).startsWith('enc-') && f.endsWith('.png'))!;
    expect(decodeQrFiles([png])).toEqual(['ENCLOSURE-QR-CODE']);
    // Drawn by reference: six more letters cost their own pages, not six more copies of the attachment.
    const size = async (name: string, n: number, e?: typeof enclosure) => fs.statSync(await render(name, n, e)).size;
    const growthWith = (await size('enc9.pdf', 9, enclosure)) - fs.statSync(file).size;
    const growthPlain = (await size('plain9.pdf', 9)) - (await size('plain3.pdf', 3));
    expect(pdf.length).toBeGreaterThan(70_000);
    expect(growthWith - growthPlain).toBeLessThan(pdf.length / 4);
  });

  it('prints a PNG attachment as one page fitted to the letter page', async () => {
    const enclosure = await loadEnclosure(PNG_BYTES, 'image/png');
    const file = await render('png.pdf', 2, enclosure);
    expect(pdfinfo(file, 4)).toMatch(/^Page\s+4 size:\s+595\.2\d* x 841\.8\d* pts \(A4\)/m);
    expect(pdfinfo(file)).toMatch(/^Pages:\s+4$/m);
    // The enclosure's image is stored once, however many letters: two more letters add only
    // their two QR codes.
    const images = (f: string) => fs.readFileSync(f, 'latin1').match(/\/Subtype \/Image/g)?.length ?? 0;
    const more = await render('png4.pdf', 4, enclosure);
    expect(images(more) - images(file)).toBe(2);
    expect(pdfinfo(more)).toMatch(/^Pages:\s+8$/m);
  });

  it('refuses what cannot be printed, naming the reason', async () => {
    await expect(loadEnclosure(Buffer.from('GIF89a....'), 'image/gif')).rejects.toThrow(/image\/gif attachment cannot be printed/);
    await expect(loadEnclosure(Buffer.from('%PDF-1.7\nnot really'), 'application/pdf')).rejects.toBeInstanceOf(AppError);
    await expect(loadEnclosure(Buffer.from('not a png'), 'image/png')).rejects.toThrow(/cannot be read/);
  });
});

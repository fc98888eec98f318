import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScanUrl } from './qr-payload.js';
import { makeQrPngEncoder, makeTableCrc32 } from './qr-png.js';
import { decodeQrFiles, isDark, readPng } from './qr-testkit.js';

// 100 scan URLs of 30 to 400 characters, with the awkward cases the product cares about.
function sampleUrls(): string[] {
  const urls = [
    buildScanUrl('https://example.com/landing?utm_source=letter&utm_medium=qr', {
      trackId: 'a+b/c==',
      campaignId: '3f2a1c4e-0000-4000-8000-000000000001',
      contactType: 'CUSTOMER',
    }),
    buildScanUrl('https://example.com/r#welcome', { trackId: 'x y&z', campaignId: 'c', contactType: 'VIP' }),
    buildScanUrl(`https://example.com/${'p'.repeat(250)}?ref=mail`, {
      trackId: 'Zm9vYmFyYmF6+/==',
      campaignId: '3f2a1c4e-0000-4000-8000-000000000002',
      contactType: 'LEAD',
    }),
  ];
  expect(urls[2].length).toBeGreaterThanOrEqual(340);
  for (let i = urls.length; i < 100; i++) {
    const path = 'x'.repeat((i * 37) % 300);
    urls.push(
      buildScanUrl(`https://ex${i}.example.org/${path}${i % 3 === 0 ? '?lang=de' : ''}`, {
        trackId: Buffer.from(`track-${i}`).toString('base64'),
        campaignId: `c${i}`,
        contactType: i % 2 ? 'CUSTOMER' : 'PROSPECT',
      }),
    );
  }
  urls.push('h'.repeat(400)); // the documented upper bound, exactly
  return urls.slice(0, 99).concat(urls[100]);
}

describe('makeQrPngEncoder', () => {
  const enc = makeQrPngEncoder();
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'qr-png-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes 100 exact 300×300 PNGs that zbar decodes to the exact texts', () => {
    const urls = sampleUrls();
    expect(urls).toHaveLength(100);
    expect(Math.max(...urls.map((u) => u.length))).toBe(400);
    const files = urls.map((u, i) => {
      const png = enc.png(u);
      const info = readPng(png);
      expect([info.width, info.height, info.bitDepth, info.colorType]).toEqual([300, 300, 1, 0]);
      expect(info.crcOk).toBe(true);
      expect(info.chunkTypes).toEqual(['IHDR', 'IDAT', 'IEND']);
      const file = path.join(dir, `${String(i).padStart(3, '0')}.png`);
      fs.writeFileSync(file, png);
      return file;
    });
    expect(decodeQrFiles(files)).toEqual(urls);
  });

  it('centres the code with a quiet zone of at least 4 modules', () => {
    const text = 'https://example.com/landing?trackId=abc';
    const n = QRCode.create(text, { errorCorrectionLevel: 'M' }).modules.size;
    const scale = Math.floor(300 / (n + 8));
    const info = readPng(enc.png(text));
    let minX = 300, minY = 300, maxX = -1, maxY = -1;
    for (let y = 0; y < 300; y++) {
      for (let x = 0; x < 300; x++) {
        if (!isDark(info, x, y)) continue;
        minX = Math.min(minX, x); maxX = Math.max(maxX, x);
        minY = Math.min(minY, y); maxY = Math.max(maxY, y);
      }
    }
    // Finder patterns sit in three corners, so the dark extent is exactly the symbol.
    expect(maxX - minX + 1).toBe(n * scale);
    expect(maxY - minY + 1).toBe(n * scale);
    expect(minX).toBeGreaterThanOrEqual(4 * scale);
    expect(299 - maxX).toBeGreaterThanOrEqual(4 * scale);
    expect(Math.abs(minX - (299 - maxX))).toBeLessThanOrEqual(1);
    expect(minY).toBe(minX);
  });

  it('honours size and error correction level', () => {
    const small = makeQrPngEncoder({ size: 200, errorCorrectionLevel: 'H' });
    const file = path.join(dir, 'small.png');
    fs.writeFileSync(file, small.png('https://example.com/?trackId=1'));
    expect(readPng(fs.readFileSync(file)).width).toBe(200);
    expect(decodeQrFiles([file])).toEqual(['https://example.com/?trackId=1']);
  });

  it('base64 is the PNG in Base64', () => {
    const t = 'https://example.com/?trackId=2';
    expect(enc.base64(t)).toBe(enc.png(t).toString('base64'));
    expect(enc.png(t).equals(enc.png(t))).toBe(true);
  });

  it('refuses text too dense for 300 px, and text beyond any QR version, as validation errors', () => {
    expect(() => enc.png('h'.repeat(1800))).toThrowError(
      expect.objectContaining({ code: 'validation', message: expect.stringMatching(/too dense for 300 px/) }),
    );
    expect(() => enc.png('h'.repeat(5000))).toThrowError(
      expect.objectContaining({ code: 'validation', fields: [expect.objectContaining({ field: 'responseUrl' })] }),
    );
    expect(() => enc.png('')).toThrowError(expect.objectContaining({ code: 'validation' }));
  });

  it('rejects impossible image sizes', () => {
    expect(() => makeQrPngEncoder({ size: 40 })).toThrowError(expect.objectContaining({ code: 'validation' }));
    expect(() => makeQrPngEncoder({ size: 300.5 })).toThrowError(expect.objectContaining({ code: 'validation' }));
  });

  it('table CRC-32 matches zlib', () => {
    const crc = makeTableCrc32();
    const data = Buffer.from('IHDR and some bytes \u00ff\u0000', 'latin1');
    expect(crc(data)).toBe(zlib.crc32(data));
    expect(crc(data.subarray(4), crc(data.subarray(0, 4)))).toBe(zlib.crc32(data));
    expect(crc(new Uint8Array(0))).toBe(0);
  });
});

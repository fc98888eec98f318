import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderLettersPdf, type Letter } from './letters-pdf.js';
import { buildScanUrl } from './qr-payload.js';
import { makeQrPngEncoder } from './qr-png.js';
import { decodeQrFiles } from './qr-testkit.js';

const enc = makeQrPngEncoder();

function letter(i: number, over: Partial<Letter> = {}): Letter {
  const scanUrl = buildScanUrl('https://example.com/landing?lang=en#top', {
    trackId: `tr+${i}/==`,
    campaignId: '3f2a1c4e-0000-4000-8000-000000000001',
    contactType: 'CUSTOMER',
  });
  return {
    name: `Erika Mustermann ${i}`,
    address: { line1: `Hauptstraße ${i}`, postalCode: '10115', city: 'Berlin', country: 'Germany' },
    subject: `Your invitation no. ${i}`,
    message: 'Dear Erika,\n\nwe would like to invite you to our opening. '.repeat(3),
    qrPng: enc.png(scanUrl),
    scanUrl,
    ...over,
  };
}

async function* slowly(n: number, make = letter): AsyncGenerator<Letter> {
  for (let i = 0; i < n; i++) {
    await new Promise((r) => setImmediate(r));
    yield make(i);
  }
}

function pdfinfo(file: string): Record<string, string> {
  const out = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  return Object.fromEntries(out.split('\n').filter(Boolean).map((l) => [l.split(':')[0], l.slice(l.indexOf(':') + 1).trim()]));
}

describe('renderLettersPdf', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'letters-pdf-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function render(letters: AsyncIterable<Letter> | Iterable<Letter>, pageSize: 'A4' | 'LETTER', name: string) {
    const file = path.join(dir, name);
    await renderLettersPdf(letters, { pageSize }, fs.createWriteStream(file));
    return file;
  }

  it('prints one A4 page per letter whose QR code decodes to its scan URL', async () => {
    const file = await render(slowly(7), 'A4', 'a4.pdf');
    const info = pdfinfo(file);
    expect(info.Pages).toBe('7');
    expect(info['Page size']).toMatch(/595\.2\d* x 841\.8\d* pts \(A4\)/);
    const pages: string[] = [];
    for (const page of [1, 7]) {
      execFileSync('pdftoppm', ['-r', '150', '-png', '-f', String(page), '-l', String(page), file, path.join(dir, `a4-${page}`)]);
      pages.push(fs.readdirSync(dir).map((f) => path.join(dir, f)).find((f) => f.includes(`a4-${page}-`) && f.endsWith('.png'))!);
    }
    expect(decodeQrFiles(pages)).toEqual([letter(0).scanUrl, letter(6).scanUrl]);
    const text = execFileSync('pdftotext', ['-f', '1', '-l', '1', '-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('Erika Mustermann 0');
    expect(text).toContain('Hauptstraße 0');
    expect(text).toContain('10115 Berlin');
    expect(text).toContain('Your invitation no. 0');
  });

  it('prints US Letter pages from a plain array', async () => {
    const file = await render([letter(1), letter(2)], 'LETTER', 'us.pdf');
    expect(pdfinfo(file).Pages).toBe('2');
    expect(pdfinfo(file)['Page size']).toMatch(/612 x 792 pts \(letter\)/);
  });

  it('does not crash on emoji, CJK or a message longer than a page, and keeps one page each', async () => {
    const odd = [
      letter(0, { name: '山田 太郎 😀', subject: 'Привет 👋 – special offer', message: '🎉'.repeat(50) + ' 你好世界 ' }),
      letter(1, { name: 'Łukasz Żółć', address: { line1: '東京都千代田区', city: null, country: '日本' } }),
      letter(2, { message: 'A very long message. '.repeat(2000) }),
    ];
    const file = await render(odd, 'A4', 'odd.pdf');
    expect(pdfinfo(file).Pages).toBe('3');
    const text = execFileSync('pdftotext', ['-f', '1', '-l', '2', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('?? ?? ?');
    expect(text).toContain('Lukasz Zólc');
  });

  it('prints a single explanatory page for an empty batch', async () => {
    const file = await render([], 'A4', 'empty.pdf');
    expect(pdfinfo(file).Pages).toBe('1');
    expect(execFileSync('pdftotext', [file, '-'], { encoding: 'utf8' })).toContain('No letters to print.');
  });

  it('stops pulling letters while the output does not drain', async () => {
    const held: (() => void)[] = [];
    let hold = true;
    let bytes = 0;
    const out = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _enc, cb) {
        bytes += chunk.length;
        if (hold) held.push(cb);
        else cb();
      },
    });
    let pulled = 0;
    function* counted(): Generator<Letter> {
      for (let i = 0; i < 40; i++) {
        pulled++;
        yield letter(i);
      }
    }
    const done = renderLettersPdf(counted(), { pageSize: 'A4' }, out);
    // Rendering has begun; given time, it still stops pulling while the sink holds back.
    while (pulled === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 200));
    expect(pulled).toBeLessThanOrEqual(10);
    hold = false;
    held.splice(0).forEach((cb) => cb());
    await done;
    expect(pulled).toBe(40);
    expect(bytes).toBeGreaterThan(40 * 1000);
  });

  it('rejects when the source fails', async () => {
    async function* broken(): AsyncGenerator<Letter> {
      yield letter(0);
      throw new Error('database went away');
    }
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    await expect(renderLettersPdf(broken(), { pageSize: 'A4' }, sink)).rejects.toThrow('database went away');
  });
});

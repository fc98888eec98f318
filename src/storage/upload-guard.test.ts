import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AppError } from '../lib/errors.js';
import { localHeaderNames } from './sniff.js';
import {
  docxLike,
  failingAfter,
  minimalPdf,
  PNG_BYTES,
  readAll,
  streamOf,
  xlsxLike,
  zipWithEntries,
} from './test-files.js';
import { guardUpload } from './upload-guard.js';

const MiB = 1024 * 1024;

async function run(data: Buffer | Readable, declaredFileName: string, maxBytes = 10 * MiB) {
  const guarded = guardUpload(Buffer.isBuffer(data) ? streamOf(data, 1000) : data, { maxBytes, declaredFileName });
  const [bytes, detected] = await Promise.all([readAll(guarded), guarded.detected]);
  return { bytes, detected };
}

async function rejection(data: Buffer | Readable, name: string, maxBytes?: number): Promise<AppError> {
  const err = await run(data, name, maxBytes).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('guardUpload: type from the bytes', () => {
  const csv = Buffer.from('name,city\nZoë,Köln\n"Smith, J",Paris\n');

  it.each([
    ['a.pdf', minimalPdf(), 'application/pdf', '.pdf'],
    ['pixel.PNG', PNG_BYTES, 'image/png', '.png'],
    ['photo.jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]), 'image/jpeg', '.jpeg'],
    ['anim.gif', Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'), 'image/gif', '.gif'],
    ['pic.webp', Buffer.from('RIFF\x24\x00\x00\x00WEBPVP8 ', 'latin1'), 'image/webp', '.webp'],
    ['letter.docx', docxLike(), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', '.docx'],
    ['sheet.xlsx', xlsxLike(), 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', '.xlsx'],
    ['list.csv', csv, 'text/csv; charset=utf-8', '.csv'],
    ['notes.txt', Buffer.from('plain text ✓\n'), 'text/plain; charset=utf-8', '.txt'],
  ])('%s passes', async (name, data, contentType, extension) => {
    const { bytes, detected } = await run(data, name);
    expect(detected).toEqual({ contentType, extension, fileName: name });
    expect(bytes.equals(data)).toBe(true); // nothing lost or reordered by the sniffing buffer
  });

  it('passes a large file through unchanged once its type is known', async () => {
    const pdf = Buffer.concat([minimalPdf(), Buffer.alloc(300_000, 7)]);
    const { bytes, detected } = await run(pdf, 'big.pdf');
    expect(detected.contentType).toBe('application/pdf');
    expect(bytes.equals(pdf)).toBe(true);
  });

  it('rejects PNG bytes named .pdf, saying what it found', async () => {
    const err = await rejection(PNG_BYTES, 'x.pdf');
    expect(err.code).toBe('unsupported_media_type');
    expect(err.message).toBe('file content is PNG but the name says .pdf');
    expect(err.details).toMatchObject({ detected: 'PNG', extension: '.pdf' });
  });

  it.each([
    ['binary with NUL bytes named .txt', Buffer.from([0x41, 0x00, 0x42, 0x43]), 'data.txt', /not one of the allowed/],
    ['invalid UTF-8 named .csv', Buffer.from([0x61, 0xc3, 0x28, 0x62]), 'data.csv', /not one of the allowed/],
    ['a Word file named .xlsx', docxLike(), 'sheet.xlsx', /is DOCX but the name says \.xlsx/],
    ['a PDF named .docx', minimalPdf(), 'letter.docx', /is PDF but the name says \.docx/],
    ['text named .png', Buffer.from('hello'), 'img.png', /is text but the name says \.png/],
    ['a plain ZIP named .docx', zipWithEntries({ 'evil.exe': 'MZ' }), 'a.docx', /ZIP archive/],
    ['an allowed type with a forbidden extension', minimalPdf(), 'a.exe', /must end with one of/],
    ['no extension at all', minimalPdf(), 'README', /must end with one of/],
    ['an executable named .pdf', Buffer.from('MZ\x90\x00\x03\x00\x00\x00', 'latin1'), 'a.pdf', /not one/],
  ])('rejects %s', async (_what, data, name, message) => {
    const err = await rejection(data, name);
    expect(err.code).toBe('unsupported_media_type');
    expect(err.message).toMatch(message);
  });

  it('rejects an empty file', async () => {
    expect((await rejection(Buffer.alloc(0), 'a.txt')).code).toBe('validation');
  });

  it('accepts UTF-8 text whose 8 KiB sample ends inside a multi-byte character', async () => {
    // 'é' is 2 bytes; after one leading ASCII byte, the sample's last byte starts an 'é'.
    const shifted = Buffer.concat([Buffer.from('x'), Buffer.from('é'.repeat(10_000))]);
    expect((await run(shifted, 'long.txt')).detected.contentType).toMatch(/^text\/plain/);
  });

  it('reads the Office entry names from the local file headers', () => {
    expect(localHeaderNames(docxLike())).toEqual(['[Content_Types].xml', '_rels/.rels', 'word/document.xml']);
  });
});

describe('guardUpload: size limit', () => {
  it('fails with payload_too_large as soon as the limit is passed, without reading the rest', async () => {
    let produced = 0;
    const source = Readable.from(
      (function* () {
        for (; produced < 3 * MiB; produced += 64 * 1024) yield Buffer.alloc(64 * 1024, 0x41);
      })(),
    );
    const err = await rejection(source, 'big.txt', MiB);
    expect(err.code).toBe('payload_too_large');
    expect(err.message).toBe(`attachment exceeds ${MiB} bytes`);
    expect(produced).toBeLessThan(2 * MiB); // stopped near the limit, not at the end of the body
  });

  it('accepts a file of exactly the limit', async () => {
    const data = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(MiB - 9, 0x20)]);
    const { bytes } = await run(data, 'exact.pdf', MiB);
    expect(bytes.length).toBe(MiB);
  });

  it('rejects detected when the client goes away, and passes the error on', async () => {
    const guarded = guardUpload(failingAfter(Buffer.from('partial text')), { maxBytes: MiB, declaredFileName: 'a.txt' });
    await expect(readAll(guarded)).rejects.toThrow('client went away');
    await expect(guarded.detected).rejects.toThrow('client went away');
  });
});

describe('guardUpload: usage before a consumer', () => {
  it('resolves detected by reading ahead, before anything consumes the stream', async () => {
    const pdf = Buffer.concat([minimalPdf(), Buffer.alloc(MiB, 0x20)]);
    const guarded = guardUpload(streamOf(pdf), { maxBytes: 2 * MiB, declaredFileName: 'late.pdf' });
    expect((await guarded.detected).contentType).toBe('application/pdf');
    expect((await readAll(guarded)).equals(pdf)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { readFixture } from '../../../test/fixtures/contacts/helpers.js';
import { detectContactFormat } from './detect.js';

const bytes = (...values: number[]) => Buffer.from(values);

describe('detectContactFormat', () => {
  it.each([
    ['PNG', bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d)],
    ['PDF', Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj', 'latin1')],
    ['XLSX (zip)', Buffer.concat([bytes(0x50, 0x4b, 0x03, 0x04, 0x14, 0, 6, 0), Buffer.from('[Content_Types].xml')])],
    ['old XLS', bytes(0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1)],
    ['JPEG', bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46)],
    ['NUL bytes', Buffer.from('email,phone\n\0\0\0\0', 'latin1')],
    ['UTF-16 text', Buffer.from('\uFEFFemail,phone\n', 'utf16le')],
  ])('%s is not a contact file, whatever its declared type', (_, data) => {
    expect(detectContactFormat('text/csv', data)).toBeNull();
    expect(detectContactFormat(undefined, data)).toBeNull();
  });

  it('recognises vCards after a BOM or blank lines, whatever the declared type', () => {
    expect(detectContactFormat('text/vcard', readFixture('vcard-3.vcf'))).toBe('vcard');
    expect(detectContactFormat('application/octet-stream', readFixture('vcard-4.vcf'))).toBe('vcard');
    expect(detectContactFormat(undefined, Buffer.from('\uFEFF\r\n  begin:vcard\r\nVERSION:4.0'))).toBe('vcard');
    expect(detectContactFormat('text/csv', Buffer.from('BEGIN:VCARD\nVERSION:3.0\n'))).toBe('vcard');
  });

  it('recognises CSV by its declared type or its delimited first line', () => {
    expect(detectContactFormat('text/csv; charset=utf-8', Buffer.from('email\na@b.co\n'))).toBe('csv');
    expect(detectContactFormat('application/vnd.ms-excel', Buffer.from('email\n'))).toBe('csv');
    expect(detectContactFormat(undefined, readFixture('excel-utf8.csv'))).toBe('csv');
    expect(detectContactFormat('application/octet-stream', readFixture('google-contacts.csv'))).toBe('csv');
    expect(detectContactFormat('text/plain', Buffer.from('email\tphone\r\n'))).toBe('csv');
    // a multi-byte character cut at the end of the sample is fine
    expect(detectContactFormat(undefined, Buffer.from('name;city\nJürgen;Köln').subarray(0, 20))).toBe('csv');
  });

  it('refuses text that is neither', () => {
    expect(detectContactFormat('text/plain', Buffer.from('Dear team here are the contacts'))).toBeNull();
    expect(detectContactFormat(undefined, Buffer.alloc(0))).toBeNull();
  });
});

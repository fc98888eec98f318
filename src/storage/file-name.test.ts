import { describe, expect, it } from 'vitest';
import { contentDispositionAttachment, extensionOf, sanitizeFileName } from './file-name.js';

describe('sanitizeFileName', () => {
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['C:\\evil\\a.exe', 'a.exe'],
    ['  .hidden', 'hidden'],
    ['..', 'attachment'],
    ['', 'attachment'],
    ['   ', 'attachment'],
    ['dir/', 'attachment'],
    ['📄 Quarterly report ✅.pdf', '📄 Quarterly report ✅.pdf'],
    ['Überweisung März.pdf', 'Überweisung März.pdf'],
    ['договор №5.docx', 'договор №5.docx'],
    ['a<b>:c"d|e?f*.txt', 'abcdef.txt'],
    ['tab\there\r\nnew\u0000line.csv', 'tab here newline.csv'],
    ['  many    spaces   .pdf ', 'many spaces .pdf'],
    ['invoice\u202Efdp.exe', 'invoicefdp.exe'], // the right-to-left override is gone: no disguise
    ['report.pdf...', 'report.pdf'],
    ['CON.txt', '_CON.txt'],
    ['e\u0301te\u0301.txt', 'été.txt'], // NFC: combining accents become single letters
  ])('%j → %j', (input, expected) => {
    expect(sanitizeFileName(input)).toBe(expected);
  });

  it('cuts a 300-character name to 200 bytes and keeps .pdf', () => {
    const out = sanitizeFileName(`${'a'.repeat(300)}.pdf`);
    expect(out).toBe(`${'a'.repeat(196)}.pdf`);
    expect(Buffer.byteLength(out)).toBe(200);
  });

  it('cuts multi-byte names on character boundaries', () => {
    const out = sanitizeFileName(`${'é'.repeat(150)}.pdf`); // 304 bytes
    expect(out.endsWith('.pdf')).toBe(true);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(200);
    expect(out).toBe(`${'é'.repeat(98)}.pdf`);
  });

  it('never splits an emoji sequence', () => {
    const family = '👨‍👩‍👧'; // one grapheme, 18 bytes
    const out = sanitizeFileName(`${family.repeat(20)}.png`);
    expect(out).toBe(`${family.repeat(10)}.png`);
  });

  it('extensionOf lower-cases and keeps the dot', () => {
    expect(extensionOf('A.PDF')).toBe('.pdf');
    expect(extensionOf('archive.tar.gz')).toBe('.gz');
    expect(extensionOf('README')).toBe('');
  });
});

describe('contentDispositionAttachment', () => {
  it('gives an ASCII fallback and the exact UTF-8 name', () => {
    expect(contentDispositionAttachment('Überweisung (März).pdf')).toBe(
      `attachment; filename="Uberweisung (Marz).pdf"; filename*=UTF-8''%C3%9Cberweisung%20%28M%C3%A4rz%29.pdf`,
    );
  });

  it('sanitises before quoting, so no header injection or path survives', () => {
    expect(contentDispositionAttachment('../x"\r\nSet-Cookie: a.txt')).toBe(
      `attachment; filename="x Set-Cookie a.txt"; filename*=UTF-8''x%20Set-Cookie%20a.txt`,
    );
  });
});

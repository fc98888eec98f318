// Which importer an upload needs, from its declared type and its first bytes. The bytes win over
// the declared type: browsers label .vcf files inconsistently (text/x-vcard, text/directory,
// application/octet-stream) and .csv files as application/vnd.ms-excel on Windows. A null answer
// means "not a contact file we read" and the HTTP layer answers 415.

export type ContactFormat = 'csv' | 'vcard';

// Magic numbers of the binary files people upload by mistake instead of an export.
const MAGIC: readonly number[][] = [
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0x25, 0x50, 0x44, 0x46], // %PDF
  [0x50, 0x4b, 0x03, 0x04], // ZIP, hence XLSX/DOCX/ODS
  [0x50, 0x4b, 0x05, 0x06], // empty ZIP
  [0xd0, 0xcf, 0x11, 0xe0], // OLE2: old .xls/.doc
  [0x1f, 0x8b], // gzip
  [0xff, 0xd8, 0xff], // JPEG
  [0x47, 0x49, 0x46, 0x38], // GIF
  [0x42, 0x5a, 0x68], // bzip2
  [0x37, 0x7a, 0xbc, 0xaf], // 7z
  [0x7f, 0x45, 0x4c, 0x46], // ELF
];

const CSV_TYPES = new Set([
  'text/csv',
  'application/csv',
  'text/comma-separated-values',
  'text/tab-separated-values',
  'application/vnd.ms-excel',
]);

function startsWith(bytes: Buffer, magic: readonly number[]): boolean {
  return bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
}

// Text files have no control characters other than TAB, LF, FF and CR. (UTF-16 has NUL bytes
// and is refused here too: no exporter we know of writes contacts in it by default.)
function looksLikeText(bytes: Buffer): boolean {
  for (const b of bytes) {
    if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0c && b !== 0x0d) return false;
    if (b === 0x7f) return false;
  }
  return true;
}

/** Why a file that detectContactFormat refused is not an export we read, for the 415 answer. */
export function refusalReason(firstBytes: Buffer): string {
  if (MAGIC.some((m) => startsWith(firstBytes, m))) return 'this is a binary file (an image, PDF, archive or spreadsheet), not a text export';
  if (!looksLikeText(firstBytes)) {
    return 'it contains control characters such as NUL bytes, so it is not a text export (save UTF-16 exports as UTF-8)';
  }
  return 'no CSV delimiter (comma, semicolon or tab) on its first line and no BEGIN:VCARD; send a one-column CSV as text/csv';
}

export function detectContactFormat(
  contentType: string | undefined,
  firstBytes: Buffer,
): ContactFormat | null {
  if (firstBytes.length === 0) return null;
  if (MAGIC.some((m) => startsWith(firstBytes, m))) return null;
  if (!looksLikeText(firstBytes)) return null;

  // latin1 maps bytes 1:1, so a cut multi-byte character at the end cannot throw.
  let text = firstBytes.toString('latin1');
  if (text.startsWith('\xEF\xBB\xBF')) text = text.slice(3);
  text = text.trimStart();
  if (/^BEGIN:VCARD/i.test(text)) return 'vcard';

  const mediaType = contentType?.split(';')[0].trim().toLowerCase();
  if (mediaType !== undefined && CSV_TYPES.has(mediaType)) return 'csv';

  // Delimited text: the first line has one of our delimiters. (A one-column CSV needs its type.)
  const firstLine = text.split(/\r?\n|\r/, 1)[0];
  return /[,;\t]/.test(firstLine) ? 'csv' : null;
}

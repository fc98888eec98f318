// Streaming CSV import: chunks in, one ParsedRow per record out, in file order. Memory stays at
// one chunk plus one record whatever the file size, so a caller can pipe a multi-GB upload
// straight into batched inserts.
//
// Decisions an operator will meet:
// - The delimiter is whichever of `,` `;` TAB occurs most in the header line (outside quotes):
//   Excel writes `;` where the decimal separator is a comma.
// - A record with fewer cells than the header, or with more non-empty ones, is reported for its
//   line and skipped; the rest of the file goes on. Extra EMPTY trailing cells ("a,b,c,") are
//   tolerated, as are rows of nothing but delimiters (";;;;"), which spreadsheets leave behind.
// - A header with no column for an external id, an email or a phone cannot produce a single
//   contact, so it fails the whole import up front instead of reporting every row.
import {
  detectDelimiter,
  makeCsvTokenizer,
  type CsvRecord,
  type CsvTokenizer,
} from './csv-tokenizer.js';
import { makeCsvRowMapper, type CsvRowMapper } from './csv-rows.js';
import { fileError, toParsedRow, unreadableRow } from './import-rows.js';
import { decodeTextChunks } from './text-chunks.js';
import type { ImportOptions, ParsedRow, TextSource } from './types.js';

// A header line (or a record) longer than this is not a contact file.
const MAX_RECORD_CHARS = 1 << 20;

export async function* parseContactsCsv(
  input: TextSource,
  opts: ImportOptions,
): AsyncGenerator<ParsedRow, void, undefined> {
  const { normalizer } = opts;
  let pending = '';
  let tokenizer: CsvTokenizer | null = null;
  let mapper: CsvRowMapper | null = null;
  const records: CsvRecord[] = [];

  function toRow(record: CsvRecord): ParsedRow | null {
    if (mapper === null) {
      mapper = makeCsvRowMapper(record.fields);
      if (!mapper.hasIdentity) {
        throw fileError(
          'the header has no column for an email, a phone or an external id' +
            ' (e.g. "email", "phone", "external_id")',
        );
      }
      return null;
    }
    const cells = record.fields;
    if (cells.every((c) => c.trim() === '')) return null;
    if (record.unterminated) {
      return unreadableRow(record.line, 'a quoted field is not closed before the end of the file');
    }
    const expected = mapper.columnCount;
    if (cells.length !== expected) {
      const extraAreEmpty =
        cells.length > expected && cells.slice(expected).every((c) => c.trim() === '');
      if (!extraAreEmpty) {
        return unreadableRow(record.line, `expected ${expected} fields as in the header, found ${cells.length}`);
      }
    }
    return toParsedRow(normalizer, record.line, mapper.toRaw(cells));
  }

  for await (const text of decodeTextChunks(input)) {
    if (tokenizer === null) {
      pending += text;
      const delimiter = detectDelimiter(pending, false);
      if (delimiter === null) {
        if (pending.length > MAX_RECORD_CHARS) throw fileError('the header line is too long');
        continue;
      }
      tokenizer = makeCsvTokenizer(delimiter, MAX_RECORD_CHARS);
      tokenizer.push(pending, records);
      pending = '';
    } else {
      tokenizer.push(text, records);
    }
    for (const record of records) {
      const row = toRow(record);
      if (row !== null) yield row;
    }
    records.length = 0;
  }

  if (tokenizer === null) {
    // The whole file was one line without a line break (or nothing at all).
    if (pending.trim() === '') throw fileError('the file is empty');
    tokenizer = makeCsvTokenizer(detectDelimiter(pending, true) ?? ',', MAX_RECORD_CHARS);
    tokenizer.push(pending, records);
  }
  tokenizer.end(records);
  for (const record of records) {
    const row = toRow(record);
    if (row !== null) yield row;
  }
  if (mapper === null) throw fileError('the file is empty');
}

// RFC 4180 tokenizer as a push state machine: text goes in chunk by chunk, finished records come
// out, and nothing but the record in progress is kept, so memory does not grow with the file.
// It is our own rather than a library's because an import report must name the PHYSICAL line a
// record starts on (quoted line breaks shift every line after them) and because it is the hot
// loop of an import.
//
// Line breaks: CRLF, LF and a lone CR all end a line, inside quotes too (for counting).
// Lenient where spreadsheets are: a quote inside an unquoted field is a literal character, and
// text after a closing quote is appended to the field. An unclosed quote swallows the rest of the
// file; the record is then returned marked `unterminated` so the caller can report its line, and
// a record growing past `maxRecordChars` throws instead of eating memory.
import { fileError } from './import-rows.js';

export interface CsvRecord {
  /** Physical line (1-based) where the record starts. */
  line: number;
  fields: string[];
  /** The file ended inside a quoted field. */
  unterminated?: boolean;
}

export interface CsvTokenizer {
  push(text: string, out: CsvRecord[]): void;
  end(out: CsvRecord[]): void;
}

const QUOTE = 34;
const LF = 10;
const CR = 13;

const FIELD = 0; // at the start of a field (or of a record)
const UNQUOTED = 1;
const QUOTED = 2;
const QUOTE_SEEN = 3; // a quote inside a quoted field: closing, or the first half of ""

export function makeCsvTokenizer(delimiter: string, maxRecordChars = 1 << 20): CsvTokenizer {
  const delim = delimiter.charCodeAt(0);
  let state = FIELD;
  let fields: string[] = [];
  let fieldsChars = 0;
  let field = '';
  let quoted = false;
  let line = 1;
  let recordLine = 1;
  // The previous character was a CR: an LF right after it is the same line break.
  let crPending = false;

  function endField() {
    fields.push(field);
    fieldsChars += field.length + 1;
    field = '';
    state = FIELD;
  }

  function endRecord(out: CsvRecord[], breakChar: number) {
    fields.push(field);
    // A blank line is not a record.
    if (quoted || fields.length > 1 || field !== '') out.push({ line: recordLine, fields });
    fields = [];
    fieldsChars = 0;
    field = '';
    quoted = false;
    state = FIELD;
    crPending = breakChar === CR;
    line++;
    recordLine = line;
  }

  function push(text: string, out: CsvRecord[]) {
    const n = text.length;
    let i = 0;
    while (i < n) {
      let c = text.charCodeAt(i);
      if (state === FIELD) {
        if (c === LF && crPending) {
          crPending = false;
          i++;
          continue;
        }
        crPending = false;
        if (c === QUOTE) {
          state = QUOTED;
          quoted = true;
          i++;
          continue;
        }
        state = UNQUOTED;
      }
      if (state === UNQUOTED) {
        let j = i;
        while (j < n) {
          c = text.charCodeAt(j);
          if (c === delim || c === LF || c === CR) break;
          j++;
        }
        if (j > i) field += text.slice(i, j);
        if (j === n) break;
        i = j + 1;
        if (c === delim) endField();
        else endRecord(out, c);
        continue;
      }
      if (state === QUOTED) {
        let j = i;
        while (j < n) {
          c = text.charCodeAt(j);
          if (c === QUOTE) break;
          if (c === LF) {
            if (!crPending) line++;
            crPending = false;
          } else if (c === CR) {
            line++;
            crPending = true;
          } else {
            crPending = false;
          }
          j++;
        }
        if (j > i) field += text.slice(i, j);
        if (j === n) break;
        crPending = false;
        state = QUOTE_SEEN;
        i = j + 1;
        continue;
      }
      // QUOTE_SEEN
      if (c === QUOTE) {
        field += '"';
        state = QUOTED;
        i++;
      } else if (c === delim) {
        endField();
        i++;
      } else if (c === LF || c === CR) {
        endRecord(out, c);
        i++;
      } else {
        state = UNQUOTED; // `"abc"def`: keep def, as spreadsheets do
      }
    }
    if (field.length + fieldsChars > maxRecordChars) {
      throw fileError(
        `the record starting on line ${recordLine} is longer than ${maxRecordChars} characters` +
          ' (an unclosed quote?)',
      );
    }
  }

  function end(out: CsvRecord[]) {
    if (state === QUOTED) {
      fields.push(field);
      out.push({ line: recordLine, fields, unterminated: true });
    } else if (state !== FIELD || fields.length > 0) {
      endRecord(out, 0);
    }
    fields = [];
    field = '';
    state = FIELD;
  }

  return { push, end };
}

const CANDIDATES = [',', ';', '\t'];

/**
 * The delimiter of a file from its header line: the most frequent of `,` `;` TAB outside
 * quotes (comma on a tie or when there is none: a one-column file). Returns null while `text`
 * does not yet hold a complete non-blank first line, unless `final` (no more text will come).
 */
export function detectDelimiter(text: string, final: boolean): string | null {
  const counts = [0, 0, 0];
  let inQuotes = false;
  let seenContent = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      inQuotes = !inQuotes;
      seenContent = true;
    } else if (inQuotes) {
      continue;
    } else if (ch === '\n' || ch === '\r') {
      if (seenContent) return pick(counts);
    } else {
      const k = CANDIDATES.indexOf(ch);
      if (k >= 0) counts[k]++;
      seenContent = true;
    }
  }
  return final ? pick(counts) : null;
}

function pick(counts: number[]): string {
  let best = 0;
  for (let k = 1; k < counts.length; k++) if (counts[k] > counts[best]) best = k;
  return CANDIDATES[best];
}

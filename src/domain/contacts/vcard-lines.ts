// vCard content lines (RFC 2425/2426 for 3.0, RFC 6350 for 4.0, and the older 2.1): physical
// lines are unfolded into logical ones, each parsed into name, parameters and value. Pure text
// handling; what the properties mean for a contact lives in vcard-import.ts.
import { fileError } from './import-rows.js';

export interface LogicalLine {
  /** Physical line (1-based) where the logical line starts. */
  line: number;
  text: string;
}

export interface VcardProperty {
  /** Upper-cased, without the "item1." group prefix Apple adds. */
  name: string;
  /** Upper-cased parameter names; values unquoted, lists split on commas. */
  params: Map<string, string[]>;
  /** TYPE values lower-cased ("cell", "pref", "home", ...). */
  types: string[];
  /** Raw value: quoted-printable already decoded, vCard escapes (\n \, \;) still in place. */
  value: string;
}

// A PHOTO inlined as base64 can be large; past this a logical line is not a contact any more.
const MAX_LINE_CHARS = 8 << 20;

/**
 * Push splitter + unfolder: text chunks in, complete logical lines out. A line that starts with a
 * space or a tab continues the previous one (that one whitespace character is removed); in 2.1
 * quoted-printable values, a trailing "=" also continues onto the next line.
 */
export function makeLineUnfolder() {
  let partial = '';
  let skipLf = false; // the previous chunk ended with CR: a leading LF belongs to it
  let physical = 0;
  let current: LogicalLine | null = null;

  function take(lineText: string, out: LogicalLine[]) {
    physical++;
    const first = lineText.charCodeAt(0);
    // A quoted-printable soft break first: the next line is content, even a leading space.
    if (current !== null && current.text.endsWith('=') && isQuotedPrintable(current.text)) {
      current.text = current.text.slice(0, -1) + lineText;
    } else if (current !== null && (first === 32 || first === 9)) {
      current.text += lineText.slice(1);
    } else {
      if (current !== null) out.push(current);
      current = lineText === '' ? null : { line: physical, text: lineText };
    }
    if (current !== null && current.text.length > MAX_LINE_CHARS) {
      const { line } = current;
      throw fileError(`the vCard line starting on line ${line} is longer than ${MAX_LINE_CHARS} characters`);
    }
  }

  function push(text: string, out: LogicalLine[]) {
    let start = 0;
    if (skipLf && text.charCodeAt(0) === 10) start = 1;
    skipLf = false;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      take(partial + text.slice(start, i), out);
      partial = '';
      if (c === 13) {
        if (i + 1 === text.length) skipLf = true;
        else if (text.charCodeAt(i + 1) === 10) i++;
      }
      start = i + 1;
    }
    partial += text.slice(start);
  }

  function end(out: LogicalLine[]) {
    if (partial !== '') take(partial, out);
    partial = '';
    if (current !== null) out.push(current);
    current = null;
  }

  return { push, end };
}

function isQuotedPrintable(text: string): boolean {
  const colon = text.indexOf(':');
  return colon > 0 && /QUOTED-PRINTABLE/i.test(text.slice(0, colon));
}

// Bare 2.1 parameters ("TEL;CELL;PREF:") are TYPE values, except the encodings.
const BARE_ENCODINGS = new Set(['QUOTED-PRINTABLE', 'BASE64', '8BIT', '7BIT']);

/** Splits on `sep` outside double quotes. */
function splitOutsideQuotes(text: string, sep: string): string[] {
  const parts: string[] = [];
  let inQuotes = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === sep && !inQuotes) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Parses "item1.TEL;TYPE=cell,pref:+1 555". Null for a line without a colon (noise). */
export function parseProperty(text: string): VcardProperty | null {
  let colon = -1;
  let inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === ':' && !inQuotes) {
      colon = i;
      break;
    }
  }
  if (colon <= 0) return null;
  const [nameWithGroup, ...rawParams] = splitOutsideQuotes(text.slice(0, colon), ';');
  const name = nameWithGroup.slice(nameWithGroup.lastIndexOf('.') + 1).trim().toUpperCase();
  const params = new Map<string, string[]>();
  for (const raw of rawParams) {
    const eq = raw.indexOf('=');
    let key = eq < 0 ? '' : raw.slice(0, eq).trim().toUpperCase();
    const valueText = eq < 0 ? raw.trim() : raw.slice(eq + 1);
    if (eq < 0) key = BARE_ENCODINGS.has(valueText.toUpperCase()) ? 'ENCODING' : 'TYPE';
    const values = splitOutsideQuotes(valueText, ',').map((v) => v.trim().replace(/^"(.*)"$/, '$1'));
    params.set(key, [...(params.get(key) ?? []), ...values]);
  }
  const types = (params.get('TYPE') ?? []).map((t) => t.toLowerCase());
  let value = text.slice(colon + 1);
  const encoding = params.get('ENCODING')?.[0]?.toUpperCase();
  if (encoding === 'QUOTED-PRINTABLE') value = decodeQuotedPrintable(value, params.get('CHARSET')?.[0]);
  return { name, params, types, value };
}

function decodeQuotedPrintable(text: string, charset = 'utf-8'): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (ch.charCodeAt(0) < 128) {
      bytes.push(ch.charCodeAt(0));
    } else {
      // Not valid in quoted-printable, but exporters do it: keep the character as UTF-8.
      const cp = text.codePointAt(i) as number;
      if (cp > 0xffff) i++;
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) bytes.push(b);
    }
  }
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    decoder = new TextDecoder('utf-8'); // unknown charset label: UTF-8 is the likeliest
  }
  return decoder.decode(Uint8Array.from(bytes));
}

/** Splits a value on `sep` where it is not escaped with a backslash; escapes are kept. */
export function splitEscaped(text: string, sep: ';' | ','): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === sep) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** Resolves \n \N \, \; \\ ; any other backslash is kept as written (2.1 has no escapes). */
export function unescapeText(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(/\\([nN,;\\])/g, (_, ch: string) => (ch === 'n' || ch === 'N' ? '\n' : ch));
}

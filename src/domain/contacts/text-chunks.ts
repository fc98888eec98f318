// Turns an upload (Node stream or async iterable of Buffers/strings) into text chunks, one chunk
// at a time, so the importers never hold more than a chunk of the file.
//
// Encoding: UTF-8, with a leading BOM removed (Excel's "CSV UTF-8" writes one). Excel's plain
// "CSV" and old Outlook exports are Windows-1252 instead; when the first 64 KiB are not valid
// UTF-8 the whole file is read as Windows-1252 (a superset of Latin-1), so "Müller" stays
// "Müller" rather than "M�ller". A file that starts as valid UTF-8 and breaks later keeps
// UTF-8 with replacement characters: a stream cannot be rewound.
import type { TextSource } from './types.js';

const BOM = 0xfeff;
// Bytes looked at before choosing the encoding: enough for a header and many rows, small enough
// to hold. The first text comes out once this much has arrived (or the input has ended).
const SNIFF_BYTES = 64 * 1024;

function isValidUtf8Start(bytes: Uint8Array): boolean {
  try {
    // stream: true tolerates a multi-byte character cut at the end of the sample.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

export async function* decodeTextChunks(input: TextSource): AsyncGenerator<string> {
  // Declared through `as` so the compiler does not pin it to null: decode() sets it.
  let decoder = null as TextDecoder | null;
  let head: Uint8Array[] = [];
  let headBytes = 0;
  let atStart = true;

  function decode(bytes: Uint8Array): string {
    if (decoder === null) decoder = new TextDecoder(isValidUtf8Start(bytes) ? 'utf-8' : 'windows-1252');
    return decoder.decode(bytes, { stream: true });
  }

  function flushHead(): string {
    if (head.length === 0) return '';
    const text = decode(Buffer.concat(head));
    head = [];
    return text;
  }

  function start(text: string): string {
    if (!atStart || text.length === 0) return text;
    atStart = false;
    // TextDecoder drops a UTF-8 BOM itself; strings (and a BOM read as Windows-1252) keep it.
    if (text.charCodeAt(0) === BOM) return text.slice(1);
    if (text.startsWith('\u00EF\u00BB\u00BF')) return text.slice(3);
    return text;
  }

  for await (const chunk of input as AsyncIterable<Buffer | Uint8Array | string>) {
    let text: string;
    if (typeof chunk === 'string') {
      text = flushHead() + chunk;
    } else if (decoder === null) {
      head.push(chunk);
      headBytes += chunk.length;
      if (headBytes < SNIFF_BYTES) continue;
      text = flushHead();
    } else {
      text = decoder.decode(chunk, { stream: true });
    }
    text = start(text);
    if (text.length > 0) yield text;
  }
  const tail = start(flushHead() + (decoder?.decode() ?? ''));
  if (tail.length > 0) yield tail;
}

// Recognises the allowed attachment types from their first bytes. Pure functions over a sample
// (the first SNIFF_BYTES of the upload, or all of it when shorter), so they are tested directly.

export const SNIFF_BYTES = 8 * 1024;

export type Kind = 'pdf' | 'png' | 'jpeg' | 'gif' | 'webp' | 'docx' | 'xlsx' | 'csv' | 'txt';

/** What the bytes say: a definite kind, a family narrowed later by the file name, or nothing. */
export type Sniffed =
  | { family: 'exact'; kind: Kind }
  | { family: 'ooxml'; kind?: 'docx' | 'xlsx' } // a ZIP laid out as an Office document
  | { family: 'text' } // UTF-8 text: CSV or TXT, the name decides
  | { family: 'zip' } // a ZIP that is not an Office document
  | { family: 'unknown' };

export const KINDS: Record<Kind, { label: string; contentType: string; extensions: string[] }> = {
  pdf: { label: 'PDF', contentType: 'application/pdf', extensions: ['.pdf'] },
  png: { label: 'PNG', contentType: 'image/png', extensions: ['.png'] },
  jpeg: { label: 'JPEG', contentType: 'image/jpeg', extensions: ['.jpg', '.jpeg'] },
  gif: { label: 'GIF', contentType: 'image/gif', extensions: ['.gif'] },
  webp: { label: 'WebP', contentType: 'image/webp', extensions: ['.webp'] },
  docx: {
    label: 'DOCX',
    contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    extensions: ['.docx'],
  },
  xlsx: {
    label: 'XLSX',
    contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extensions: ['.xlsx'],
  },
  // The text check below proved the bytes are UTF-8, so say so: mail clients guess otherwise.
  csv: { label: 'CSV', contentType: 'text/csv; charset=utf-8', extensions: ['.csv'] },
  txt: { label: 'text', contentType: 'text/plain; charset=utf-8', extensions: ['.txt'] },
};

export function kindOfExtension(ext: string): Kind | undefined {
  return (Object.keys(KINDS) as Kind[]).find((k) => KINDS[k].extensions.includes(ext));
}

/** `complete` is true when `sample` is the whole file (so a cut-off UTF-8 sequence is an error). */
export function sniff(sample: Buffer, complete: boolean): Sniffed {
  const starts = (sig: string | number[], at = 0) => {
    const bytes = typeof sig === 'string' ? Buffer.from(sig, 'latin1') : Buffer.from(sig);
    return sample.length >= at + bytes.length && sample.subarray(at, at + bytes.length).equals(bytes);
  };
  if (starts('%PDF-')) return { family: 'exact', kind: 'pdf' };
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { family: 'exact', kind: 'png' };
  if (starts([0xff, 0xd8, 0xff])) return { family: 'exact', kind: 'jpeg' };
  if (starts('GIF87a') || starts('GIF89a')) return { family: 'exact', kind: 'gif' };
  if (starts('RIFF') && starts('WEBP', 8)) return { family: 'exact', kind: 'webp' };
  if (starts('PK\x03\x04')) return sniffZip(sample);
  if (isUtf8Text(sample, complete)) return { family: 'text' };
  return { family: 'unknown' };
}

// Office Open XML files are ZIPs whose entries live under these names; writers put
// [Content_Types].xml, _rels/ or docProps/ first, and word/ or xl/ tell the two apart.
const OOXML_COMMON = ['[Content_Types].xml', '_rels/', 'docProps/', 'customXml/'];

function sniffZip(sample: Buffer): Sniffed {
  const names = localHeaderNames(sample);
  const first = names[0];
  if (first === undefined) return { family: 'zip' };
  const isOoxmlName = (n: string) =>
    OOXML_COMMON.some((p) => n.startsWith(p)) || n.startsWith('word/') || n.startsWith('xl/');
  if (!isOoxmlName(first)) return { family: 'zip' };
  const word = names.some((n) => n.startsWith('word/'));
  const xl = names.some((n) => n.startsWith('xl/'));
  if (word && !xl) return { family: 'ooxml', kind: 'docx' };
  if (xl && !word) return { family: 'ooxml', kind: 'xlsx' };
  return { family: 'ooxml' };
}

/**
 * Entry names of the ZIP local file headers visible in the sample. Entries whose sizes sit in a
 * trailing data descriptor cannot be skipped precisely, so the scan looks for the next header
 * signature instead; a false match inside compressed data only adds a name that is ignored.
 */
export function localHeaderNames(sample: Buffer): string[] {
  const names: string[] = [];
  let at = sample.indexOf('PK\x03\x04', 0, 'latin1');
  while (at >= 0 && at + 30 <= sample.length) {
    const nameLength = sample.readUInt16LE(at + 26);
    if (nameLength > 0 && at + 30 + nameLength <= sample.length) {
      names.push(sample.subarray(at + 30, at + 30 + nameLength).toString('utf8'));
    }
    at = sample.indexOf('PK\x03\x04', at + 4, 'latin1');
  }
  return names;
}

function isUtf8Text(sample: Buffer, complete: boolean): boolean {
  if (sample.includes(0)) return false;
  try {
    // stream: true tolerates a multi-byte character cut by the end of a partial sample.
    new TextDecoder('utf-8', { fatal: true }).decode(sample, { stream: !complete });
    return true;
  } catch {
    return false;
  }
}

// File names come from browsers and API clients and end up in Content-Disposition headers,
// email attachments and operators' download folders, so they are reduced to a plain base name
// that is safe on every common file system, while keeping the user's letters (any script).

const MAX_BYTES = 200;
const MAX_EXTENSION_CHARS = 16;
const FALLBACK = 'attachment';

// C0/C1 controls, plus the invisible bidirectional overrides that make "evil\u202Efdp.exe" look
// like "evil.exe.pdf". Zero-width joiners stay: emoji sequences need them.
const INVISIBLE = /[\p{Cc}\u200E\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/gu;
// Reserved on Windows (and meaningful to shells); slashes are handled as directories first.
const RESERVED = /[<>:"|?*]/g;
// Device names Windows refuses as file names, with or without an extension.
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])$/i;

export function sanitizeFileName(name: string): string {
  let s = String(name ?? '').normalize('NFC');
  s = s.split(/[/\\]/).pop() ?? '';
  // Line breaks and tabs separate words: they become spaces before the other controls go.
  s = s.replace(/[\t\n\v\f\r]/g, ' ').replace(INVISIBLE, '').replace(RESERVED, '');
  s = s.replace(/\s+/gu, ' ');
  // Leading dots hide the file (and ".." is a directory); trailing dots and spaces are dropped
  // silently by Windows, which would change the extension the type check looked at.
  s = s.replace(/^[.\s]+/u, '').replace(/[.\s]+$/u, '');
  if (s === '') return FALLBACK;

  const { base, ext } = splitExtension(s);
  const safeBase = WINDOWS_DEVICE.test(base) ? `_${base}` : base;
  return truncateBase(safeBase, ext);
}

/** The lower-cased extension with its dot (".pdf"), or '' when the name has none. */
export function extensionOf(fileName: string): string {
  return splitExtension(fileName).ext.toLowerCase();
}

/**
 * A Content-Disposition value that every browser reads correctly: an ASCII `filename` fallback
 * plus the exact UTF-8 name in `filename*` (RFC 6266 / RFC 5987).
 */
export function contentDispositionAttachment(fileName: string): string {
  const safe = sanitizeFileName(fileName);
  const ascii = safe.normalize('NFKD').replace(/[^\x20-\x7E]/g, '').replace(/["\\%]/g, '').trim();
  const encoded = encodeURIComponent(safe).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii || FALLBACK}"; filename*=UTF-8''${encoded}`;
}

function splitExtension(s: string): { base: string; ext: string } {
  const dot = s.lastIndexOf('.');
  const ext = dot > 0 ? s.slice(dot) : '';
  // Only a short, space-free tail counts as an extension; "a. very long sentence" has none.
  if (ext.length < 2 || ext.length > MAX_EXTENSION_CHARS + 1 || /\s/u.test(ext)) return { base: s, ext: '' };
  return { base: s.slice(0, dot), ext };
}

function truncateBase(base: string, ext: string): string {
  const budget = MAX_BYTES - Buffer.byteLength(ext);
  if (Buffer.byteLength(base) <= budget) return base + ext;
  // Cut on grapheme boundaries so no emoji or accented letter is split into mojibake.
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(base)) {
    const bytes = Buffer.byteLength(segment);
    if (used + bytes > budget) break;
    out += segment;
    used += bytes;
  }
  out = out.replace(/[.\s]+$/u, '');
  return (out || FALLBACK) + ext;
}

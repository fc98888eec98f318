// Text for the PDF's standard fonts (Helvetica). The 14 standard fonts ship no glyph data in the
// PDF and are addressed through WinAnsiEncoding: one byte per character. pdfkit writes any other
// character as a multi-digit hex code, which prints garbage or shifts the rest of the line, so
// everything outside WinAnsi is mapped here first: accents are decomposed when the base letter
// exists (Ő → O, ł → l), typographic spaces and dashes become their plain forms,
// invisible format characters are dropped, and whatever is left (emoji, CJK, Cyrillic...) becomes
// one '?' per user-perceived character. Embedding a Unicode TrueType font would be the real fix for
// non-Latin names; this keeps letters printable without shipping one.

// Code points above 0xFF that WinAnsi (Windows-1252) places in 0x80..0x9F.
const WIN_ANSI_EXTRA = new Set([
  0x0152, 0x0153, 0x0160, 0x0161, 0x0178, 0x017d, 0x017e, 0x0192, 0x02c6, 0x02dc, 0x2013, 0x2014,
  0x2018, 0x2019, 0x201a, 0x201c, 0x201d, 0x201e, 0x2020, 0x2021, 0x2022, 0x2026, 0x2030, 0x2039,
  0x203a, 0x20ac, 0x2122,
]);

const REPLACEMENT = '?';

// Everything a line may keep verbatim: printable ASCII, Latin-1 and the extras, plus \n.
const ALL_SUPPORTED =
  /^[\n\x20-\x7e\xa0-\xff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201a\u201c-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]*$/;

// Look-alikes that NFKD does not fold to a WinAnsi character.
const EQUIVALENTS: Record<string, string> = {
  '\u2010': '-', '\u2011': '-', '\u2012': '-', '\u2015': '\u2014', '\u2212': '-',
  '\u2032': "'", '\u2033': '"', '\u201b': "'", '\u201f': '"', '\u2043': '-',
  // Letters with a stroke have no decomposition but an obvious base letter.
  '\u0141': 'L', '\u0142': 'l', '\u0110': 'D', '\u0111': 'd', '\u0126': 'H', '\u0127': 'h',
  '\u0131': 'i', '\u0166': 'T', '\u0167': 't', '\u0180': 'b', '\u01b6': 'z',
};

function isSupported(cp: number): boolean {
  return (cp >= 0x20 && cp <= 0x7e) || (cp >= 0xa0 && cp <= 0xff) || WIN_ANSI_EXTRA.has(cp);
}

// Invisible characters that only steer rendering (ZWJ, variation selectors, bidi marks...).
const FORMAT = /[\p{Cf}\uFE00-\uFE0F]/gu;
const COMBINING = /\p{M}/gu;
const SPACE_LIKE = /^\p{Zs}$/u;

function mapCluster(cluster: string): string {
  if (cluster === '\n' || cluster === '\r\n' || cluster === '\r') return '\n';
  if (cluster === '\t') return ' ';
  if (cluster.length === 1 && isSupported(cluster.charCodeAt(0))) return cluster;
  const eq = EQUIVALENTS[cluster];
  if (eq !== undefined) return eq;
  if (SPACE_LIKE.test(cluster)) return ' ';
  // Joiners and selectors ride along in the cluster of the character before them.
  const visible = cluster.replace(FORMAT, '');
  if (visible !== cluster) return visible === '' ? '' : mapCluster(visible);
  // Precomposed forms first (e + combining acute → é is in Latin-1), then strip what remains.
  const composed = cluster.normalize('NFC');
  if ([...composed].every((c) => isSupported(c.codePointAt(0)!))) return composed;
  const folded = cluster.normalize('NFKD').replace(COMBINING, '').normalize('NFC');
  if (folded.length > 0 && [...folded].every((c) => isSupported(c.codePointAt(0)!))) return folded;
  // Other control characters would be invisible at best.
  if (/^\p{Cc}+$/u.test(cluster)) return '';
  return REPLACEMENT;
}

/** `text` reduced to characters Helvetica (WinAnsiEncoding) can print; never throws. */
export function toWinAnsi(text: string): string {
  if (ALL_SUPPORTED.test(text)) return text;
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let out = '';
  for (const { segment } of segmenter.segment(text)) out += mapCluster(segment);
  return out;
}

import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import PDFDocument from 'pdfkit';
import { addressLines, LAYOUTS, type LetterLayout, type PageSize, type PostalAddress } from './letter-layout.js';
import { toWinAnsi } from './win-ansi.js';
import type { Enclosure } from './enclosure.js';

// The print-ready PDF of a mail batch: one page per letter (followed by the enclosure's pages when
// the campaign's attachment is appended), the address inside the envelope
// window, subject, message and the QR code that records the response. Written as a stream, one
// letter at a time, so a batch of ten thousand letters costs the memory of one page.

export interface Letter {
  name: string;
  address: PostalAddress;
  subject: string;
  message: string;
  qrPng: Buffer;
  scanUrl: string;
}

export interface LettersPdfOptions {
  pageSize: PageSize;
  /** The campaign's attachment, printed behind every letter (see ./enclosure.ts). */
  enclosure?: Enclosure;
}

const MM = 72 / 25.4;
const REGULAR = 'Helvetica';
const BOLD = 'Helvetica-Bold';
const ADDRESS_PT = 10;
const SUBJECT_PT = 12;
const MESSAGE_PT = 11;
const CAPTION_PT = 9;
const URL_PT = 7;

type Doc = PDFKit.PDFDocument;

// One line cut to `width` with an ellipsis; pdfkit's own ellipsis only works on wrapped blocks.
function fitLine(doc: Doc, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (doc.widthOfString(text.slice(0, mid) + '\u2026') <= width) lo = mid;
    else hi = mid - 1;
  }
  return text.slice(0, lo).trimEnd() + '\u2026';
}

function drawAddress(doc: Doc, layout: LetterLayout, lines: string[]): void {
  const { x, y, width, height } = layout.address;
  doc.font(REGULAR).fontSize(ADDRESS_PT);
  const lineHeight = doc.currentLineHeight(true);
  const max = Math.max(1, Math.floor(height / lineHeight));
  // Too many lines for the window: keep the recipient and the last (locality, country) lines,
  // which the postal service reads, and drop from the middle.
  const kept = lines.length <= max ? lines : [...lines.slice(0, 1), ...lines.slice(lines.length - (max - 1))];
  kept.forEach((line, i) => {
    doc.text(fitLine(doc, line, width), x, y + i * lineHeight, { width, lineBreak: false });
  });
}

function drawLetter(doc: Doc, layout: LetterLayout, pageSize: PageSize, letter: Letter): void {
  doc.addPage({ size: pageSize, margin: 0 });
  drawAddress(doc, layout, addressLines(toWinAnsi(letter.name), mapAddress(letter.address), pageSize));

  const width = layout.right - layout.left;
  doc.font(BOLD).fontSize(SUBJECT_PT);
  doc.text(toWinAnsi(letter.subject), layout.left, layout.subjectY, {
    width,
    height: doc.currentLineHeight(true) * 2,
    ellipsis: true,
  });

  const qrTop = layout.bottom - layout.qrSize;
  const qrLeft = layout.right - layout.qrSize;
  const messageTop = doc.y + 6 * MM;
  // Bounded height: pdfkit would otherwise flow a long message onto a new page, and the batch
  // would no longer be one sheet per letter.
  doc.font(REGULAR).fontSize(MESSAGE_PT);
  doc.text(toWinAnsi(letter.message), layout.left, messageTop, {
    width,
    height: Math.max(0, qrTop - 8 * MM - messageTop),
    ellipsis: true,
  });

  doc.image(letter.qrPng, qrLeft, qrTop, { width: layout.qrSize, height: layout.qrSize });
  const captionWidth = qrLeft - 6 * MM - layout.left;
  doc.font(BOLD).fontSize(CAPTION_PT);
  doc.text('Scan the code with your phone camera to respond.', layout.left, qrTop + layout.qrSize / 3, {
    width: captionWidth,
    height: doc.currentLineHeight(true) * 2,
    ellipsis: true,
  });
  // The link in print as well, for readers without a camera; long URLs break anywhere.
  doc.font(REGULAR).fontSize(URL_PT);
  doc.text(toWinAnsi(letter.scanUrl), layout.left, doc.y + 2 * MM, {
    width: captionWidth,
    height: layout.qrSize / 3,
    ellipsis: true,
  });
}

function mapAddress(a: PostalAddress): PostalAddress {
  const f = (s: string | null | undefined) => (s == null ? s : toWinAnsi(s));
  return {
    line1: f(a.line1),
    line2: f(a.line2),
    city: f(a.city),
    region: f(a.region),
    postalCode: f(a.postalCode),
    country: f(a.country),
  };
}

function isStdio(out: NodeJS.WritableStream): boolean {
  return out === process.stdout || out === process.stderr;
}

/**
 * Writes one page per letter (and the enclosure's pages after each) to `out`, reading `letters`
 * lazily and waiting for `out` to drain between letters. Ends `out` when done (except stdout/stderr). If the source or `out` fails, the
 * promise rejects and `out` is left as is: the caller must abort it, as the PDF is incomplete.
 * An empty batch yields a one-page PDF saying so, since a PDF without pages is not printable.
 */
export async function renderLettersPdf(
  letters: AsyncIterable<Letter> | Iterable<Letter>,
  opts: LettersPdfOptions,
  out: NodeJS.WritableStream,
): Promise<void> {
  const layout = LAYOUTS[opts.pageSize];
  if (!layout) throw new TypeError(`unknown page size ${String(opts.pageSize)}`);
  const doc = new PDFDocument({
    autoFirstPage: false,
    size: opts.pageSize,
    margin: 0,
    fontLayoutCache: false,
    info: { Title: 'Letters', Creator: 'campaign-engine' },
  });

  // pdfkit's document is a stream.Readable; its typings only admit NodeJS.ReadableStream.
  const readable = doc as unknown as Readable;
  let failure: unknown = null;
  let drained: Promise<void> | null = null;
  const onError = (e: unknown) => {
    failure ??= e;
  };
  out.on('error', onError);
  doc.on('error', onError);
  // A page is a few kilobytes, so checking the sink between letters bounds memory without
  // splitting a page.
  doc.on('data', (chunk: Buffer) => {
    if (failure) return;
    if (!out.write(chunk) && !drained) {
      drained = once(out, 'drain').then(
        () => {
          drained = null;
        },
        onError,
      );
    }
  });

  // Waits while `out` is full or pdfkit holds more than its high-water mark. The second check
  // matters for a synchronous source: the loop then runs on microtasks only, and pdfkit's
  // buffered bytes would never flow (flowing resumes on a later tick) until the whole batch
  // had been drawn into memory.
  async function settle(): Promise<void> {
    while (!failure && (drained || readable.readableLength >= readable.readableHighWaterMark)) {
      if (drained) await drained;
      else await new Promise((resolve) => setImmediate(resolve));
    }
  }

  try {
    let pages = 0;
    const enclosure = opts.enclosure?.install(doc, opts.pageSize);
    for await (const letter of letters) {
      if (failure) break;
      drawLetter(doc, layout, opts.pageSize, letter);
      enclosure?.draw();
      pages++;
      await settle();
    }
    if (failure) throw failure;
    if (pages === 0) {
      doc.addPage({ size: opts.pageSize, margin: 0 });
      doc.font(REGULAR).fontSize(MESSAGE_PT).text('No letters to print.', layout.left, layout.subjectY);
    }
    const ended = once(doc, 'end');
    doc.end();
    await ended;
    if (drained) await drained;
    if (failure) throw failure;
    if (!isStdio(out)) {
      out.end();
      await finished(out);
    }
  } finally {
    out.removeListener('error', onError);
  }
}

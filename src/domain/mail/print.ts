import { PassThrough, type Readable } from 'node:stream';
import { withTenant, type Pool } from '../../db/pool.js';
import { printPage, type PrintRow } from '../../db/queries/mail.js';
import { notFound } from '../../lib/errors.js';
import { renderLettersPdf, type Letter } from '../../channels/mail/letters-pdf.js';
import type { PageSize, PostalAddress } from '../../channels/mail/letter-layout.js';
import { buildScanUrl } from '../../channels/mail/qr-payload.js';
import type { QrWorkerPool } from '../../channels/mail/qr-pool.js';
import { compileTemplate, type CompiledTemplate } from '../../channels/templates/render.js';
import type { MailSettings, MailSettingsLoader } from './settings.js';
import { loadEnclosure, type Enclosure } from '../../channels/mail/enclosure.js';
import type { AttachmentService } from '../attachments/index.js';
import { AppError, isAppError } from '../../lib/errors.js';

// The print batch: a campaign's letters handed to print (MAIL ledger rows with status SENT), as
// JSON pages with a Base64 PNG QR code each, or as one print-ready PDF streamed page by page.
// QR codes are drawn on worker threads; the PDF reads the ledger in keyset chunks and draws the
// next chunk's codes while the current chunk's pages are written, so memory holds about two
// chunks whatever the size of the batch.

export interface PrintItem {
  trackId: string;
  contact: { name: string; address: PostalAddress };
  qrCode: string;
  scanUrl: string;
}

export interface PrintDeps {
  pool: Pool;
  qr: QrWorkerPool;
  loadSettings: MailSettingsLoader;
  /** Where the mail config's attachment is read from when the PDF appends it. */
  attachments?: Pick<AttachmentService, 'open'>;
  log?: (err: unknown, msg: string) => void;
}

/** Ledger rows read per round trip while streaming a PDF. */
const PDF_CHUNK = 128;

const nameOf = (r: PrintRow) => [r.first_name, r.last_name].map((s) => s?.trim()).filter(Boolean).join(' ');

function addressOf(r: PrintRow): PostalAddress {
  const a = r.address ?? {};
  return { line1: a.line1, line2: a.line2, city: a.city, region: a.region, postalCode: a.postalCode, country: a.country };
}

const scanUrlOf = (s: MailSettings, r: PrintRow) =>
  buildScanUrl(s.responseUrl, { trackId: r.tracking_id, campaignId: s.campaignId, contactType: r.contact_type ?? '-' });

export function makeMailPrint(deps: PrintDeps) {
  const { pool, qr } = deps;

  async function settingsOrThrow(tenantId: string, campaignId: string): Promise<MailSettings> {
    const s = await deps.loadSettings(tenantId, campaignId);
    if (!s) throw notFound('campaign');
    return s;
  }

  const read = (tenantId: string, campaignId: string, after: string | null, limit: number) =>
    withTenant(pool, tenantId, (tx) => printPage(tx, tenantId, campaignId, after, limit));

  async function page(tenantId: string, campaignId: string, opts: { after?: string; limit: number }) {
    const s = await settingsOrThrow(tenantId, campaignId);
    const rows = await read(tenantId, campaignId, opts.after ?? null, opts.limit + 1);
    const slice = rows.slice(0, opts.limit);
    const urls = slice.map((r) => scanUrlOf(s, r));
    const pngs = await qr.pngs(urls);
    const items: PrintItem[] = slice.map((r, i) => ({
      trackId: r.tracking_id,
      contact: { name: nameOf(r), address: addressOf(r) },
      qrCode: pngs[i].toString('base64'),
      scanUrl: urls[i],
    }));
    return { items, next: rows.length > opts.limit ? slice.at(-1)!.id : null };
  }

  interface Chunk {
    rows: PrintRow[];
    urls: string[];
    pngs: Buffer[];
  }

  async function loadChunk(tenantId: string, s: MailSettings, after: string | null, limit: number): Promise<Chunk> {
    const rows = await read(tenantId, s.campaignId, after, limit);
    const urls = rows.map((r) => scanUrlOf(s, r));
    return { rows, urls, pngs: await qr.pngs(urls) };
  }

  function letterOf(r: PrintRow, url: string, png: Buffer, subject: CompiledTemplate, message: CompiledTemplate): Letter {
    const contact = {
      externalId: r.external_id,
      firstName: r.first_name,
      lastName: r.last_name,
      contactType: r.contact_type,
      attributes: r.attributes ?? {},
    };
    return {
      name: nameOf(r),
      address: addressOf(r),
      subject: subject.render({ contact }, 'text'),
      message: message.render({ contact }, 'text'),
      qrPng: png,
      scanUrl: url,
    };
  }

  /** Letters from `after` on (at most `limit` of them when given), chunk k+1 drawn while chunk k is written. */
  async function* letters(tenantId: string, s: MailSettings, after: string | null, limit: number | undefined, signal: AbortSignal) {
    const subject = compileTemplate(s.subject);
    const message = compileTemplate(s.message);
    let remaining = limit ?? Infinity;
    const load = (from: string | null) => {
      const p = loadChunk(tenantId, s, from, Math.min(PDF_CHUNK, remaining));
      p.catch(() => {}); // awaited below; this only keeps an abandoned prefetch from going unhandled
      return p;
    };
    let next: Promise<Chunk> | null = load(after);
    while (next) {
      const chunk: Chunk = await next;
      remaining -= chunk.rows.length;
      const full = chunk.rows.length > 0 && chunk.rows.length === Math.min(PDF_CHUNK, remaining + chunk.rows.length);
      next = full && remaining > 0 ? load(chunk.rows.at(-1)!.id) : null;
      for (let i = 0; i < chunk.rows.length; i++) {
        if (signal.aborted) throw signal.reason;
        yield letterOf(chunk.rows[i], chunk.urls[i], chunk.pngs[i], subject, message);
      }
    }
  }

  /**
   * The mail config's attachment, read whole (it is bounded by ATTACHMENT_MAX_BYTES) and parsed
   * once for the whole batch. Refused as `validation` (400, field appendAttachment) when there is
   * none or it cannot be printed, before any byte of the PDF is sent.
   */
  async function enclosureOf(tenantId: string, s: MailSettings): Promise<Enclosure> {
    const refuse = (message: string) => new AppError('validation', message, { fields: [{ field: 'appendAttachment', message }] });
    if (!s.attachmentId || !deps.attachments) throw refuse("the campaign's mail config has no attachment");
    const opened = await deps.attachments.open(tenantId, s.attachmentId).catch((e: unknown) => {
      if (isAppError(e) && e.code === 'not_found') throw refuse("the campaign's mail config has no attachment");
      throw e;
    });
    const chunks: Buffer[] = [];
    for await (const c of await opened.stream()) chunks.push(c as Buffer);
    return loadEnclosure(Buffer.concat(chunks), opened.contentType);
  }

  /**
   * Checks the campaign (404 before any byte is sent) and, when asked to append the attachment,
   * the enclosure; then streams the PDF. A failure half way destroys the stream with the error,
   * so the client sees a broken download, never a PDF that silently lacks letters.
   */
  async function pdf(
    tenantId: string,
    campaignId: string,
    opts: { after?: string; limit?: number; pageSize: PageSize; appendAttachment?: boolean },
  ): Promise<Readable> {
    const s = await settingsOrThrow(tenantId, campaignId);
    const enclosure = opts.appendAttachment ? await enclosureOf(tenantId, s) : undefined;
    const out = new PassThrough();
    const abort = new AbortController();
    let done = false;
    // The client went away (the response destroys its source): stop reading the ledger and
    // drawing codes. The error also wakes the renderer if it waits for a 'drain' that will
    // never come; the no-op listener keeps a late one from being thrown.
    out.on('error', () => {});
    out.on('close', () => {
      if (done) return;
      const reason = new Error('print stream closed before the end');
      abort.abort(reason);
      out.emit('error', reason);
    });
    renderLettersPdf(letters(tenantId, s, opts.after ?? null, opts.limit, abort.signal), { pageSize: opts.pageSize, ...(enclosure ? { enclosure } : {}) }, out)
      .then(() => {
        done = true;
      })
      .catch((err: unknown) => {
        done = true;
        if (!abort.signal.aborted) deps.log?.(err, 'letters PDF failed');
        out.destroy(err instanceof Error ? err : new Error(String(err)));
      });
    return out;
  }

  return { page, pdf };
}

export type MailPrint = ReturnType<typeof makeMailPrint>;

// Contact imports: an upload (CSV or vCard) streamed through the parser into batched upserts.
//
// Memory stays constant: at most two batches exist at once, the one being written and the one
// being parsed (parsing the next batch overlaps the database write of the previous one, so the
// CPU-bound parser and PostgreSQL work side by side). Backpressure is the async iteration
// itself: while both batches are full, nothing more is read from the upload.
//
// Each batch commits on its own, together with the import's counters and errors, so
// GET /contacts/imports/{id} shows a RUNNING import's exact progress, and a file cut short
// (size limit without a Content-Length, client gone) keeps what was committed: importing the
// same file again finishes the job and changes nothing that is already there.
import type { CountryCode } from 'libphonenumber-js/core';
import { withTenant, type Pool } from '../../db/pool.js';
import * as imports from '../../db/queries/contact-imports.js';
import { AppError, isAppError, notFound } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import { detectContactFormat, refusalReason, type ContactFormat } from './detect.js';
import { parseContactsCsv } from './csv-import.js';
import { parseContactsVcard } from './vcard-import.js';
import { makeContactNormalizer } from './normalize.js';
import type { ContactDirectory } from './store.js';
import type { ContactInput, RowError } from './types.js';

export interface ContactImport {
  id: string;
  status: imports.ImportStatus;
  format: ContactFormat | null;
  fileName: string | null;
  rows: number;
  imported: number;
  updated: number;
  unchanged: number;
  failed: number;
  errors: RowError[];
  /** Errors beyond the stored ones (only the first `maxStoredErrors` are kept). */
  errorsOmitted: number;
  failure: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface ImportUpload {
  source: AsyncIterable<Buffer | Uint8Array | string>;
  contentType?: string;
  fileName?: string | null;
  /** The upload's declared size (Content-Length), when known: over the limit fails before reading. */
  declaredBytes?: number;
  /** Contact type of rows that name none. */
  defaultContactType?: string;
  /** Region national phone numbers are read in; the configured default otherwise. */
  region?: string;
}

export interface ContactImporterDeps {
  pool: Pool;
  directory: ContactDirectory;
  clock: Clock;
  defaultRegion: string;
  maxBytes: number;
  batchSize?: number;
  maxStoredErrors?: number;
}

const HEAD_BYTES = 4096;

export function toContactImport(r: imports.ContactImportRow): ContactImport {
  return {
    id: r.id,
    status: r.status,
    format: r.format,
    fileName: r.file_name,
    rows: r.rows,
    imported: r.imported,
    updated: r.updated,
    unchanged: r.unchanged,
    failed: r.failed,
    errors: r.errors ?? [],
    errorsOmitted: r.errors_omitted,
    failure: r.failure,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
  };
}

function tooLarge(maxBytes: number): AppError {
  return new AppError('payload_too_large', `The file is larger than the import limit of ${maxBytes} bytes`, {
    details: { maxBytes },
  });
}

/** The upload as Buffers, failing with 413 as soon as it passes `maxBytes`. */
async function* limited(source: AsyncIterable<Buffer | Uint8Array | string>, maxBytes: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of source) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    total += buf.length;
    if (total > maxBytes) throw tooLarge(maxBytes);
    yield buf;
  }
}

/** Reads the first bytes for format detection and hands back a stream that still starts with them. */
async function peek(source: AsyncGenerator<Buffer>): Promise<{ head: Buffer; ended: boolean; rest: AsyncGenerator<Buffer> }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let ended = false;
  while (size < HEAD_BYTES) {
    const next = await source.next();
    if (next.done) {
      ended = true;
      break;
    }
    chunks.push(next.value);
    size += next.value.length;
  }
  const head = Buffer.concat(chunks);
  async function* rest() {
    if (head.length > 0) yield head;
    if (!ended) yield* source;
  }
  return { head, ended, rest: rest() };
}

const emptyFile = () =>
  new AppError('validation', 'The contact file cannot be imported: the file is empty', {
    fields: [{ field: 'file', message: 'the file is empty' }],
  });

// A file without contact types fails on every row: the reason says both ways out.
export const MISSING_CONTACT_TYPE =
  'no contact type: add a "contact_type" column (in a Google export, a custom field labelled "Contact Type"), ' +
  'or import with ?contactType=<type> for the rows that name none';

export function makeContactImporter(deps: ContactImporterDeps) {
  const { pool, directory, clock, maxBytes } = deps;
  const batchSize = deps.batchSize ?? 10_000;
  const maxStoredErrors = deps.maxStoredErrors ?? 1000;

  async function run(tenantId: string, upload: ImportUpload): Promise<ContactImport> {
    if (upload.declaredBytes !== undefined && upload.declaredBytes > maxBytes) throw tooLarge(maxBytes);
    const normalizer = makeContactNormalizer({
      defaultRegion: (upload.region ?? deps.defaultRegion) as CountryCode,
      defaultContactType: upload.defaultContactType,
      missingContactType: MISSING_CONTACT_TYPE,
      clock,
    });

    const { head, ended, rest } = await peek(limited(upload.source, maxBytes));
    const text = head.toString('utf8').replace(/^\uFEFF/, '');
    if (head.length === 0 || (ended && text.trim() === '')) throw emptyFile();
    const format = detectContactFormat(upload.contentType, head);
    if (format === null) {
      throw new AppError('unsupported_media_type', `Only CSV and vCard files can be imported: ${refusalReason(head)}`, {
        details: { declaredType: upload.contentType ?? null },
      });
    }

    const created = await withTenant(pool, tenantId, (tx) =>
      imports.createImport(tx, tenantId, { format, fileName: upload.fileName?.slice(0, 255) ?? null }),
    );
    const importId = created.id;
    let storedErrors = 0;
    let inflight: Promise<unknown> | null = null;

    async function flush(contacts: ContactInput[], errors: RowError[], rows: number, failed: number) {
      if (inflight) await inflight;
      const room = Math.max(0, maxStoredErrors - storedErrors);
      const kept = errors.slice(0, room);
      storedErrors += kept.length;
      // Each lane's transaction adds its own counts; the batch's rows and errors go with lane 0.
      const write = directory.upsertMany(tenantId, contacts, (tx, counts, lane) =>
        imports.addImportProgress(tx, tenantId, importId, {
          ...counts,
          ...(lane === 0
            ? { rows, failed, errors: kept, errorsOmitted: errors.length - kept.length }
            : { rows: 0, failed: 0, errors: [], errorsOmitted: 0 }),
        }),
      );
      write.catch(() => {}); // awaited by the next flush or at the end; never unhandled meanwhile
      inflight = write;
    }

    try {
      const parsed =
        format === 'csv' ? parseContactsCsv(rest, { normalizer }) : parseContactsVcard(rest, { normalizer });
      let contacts: ContactInput[] = [];
      let errors: RowError[] = [];
      let rows = 0;
      let failed = 0;
      for await (const row of parsed) {
        rows++;
        if (row.contact) contacts.push(row.contact);
        else failed++;
        // Errors beyond the cap are only counted: a file of 1M bad rows must not keep them all.
        for (const e of row.errors) errors.push(e);
        if (contacts.length >= batchSize || errors.length >= batchSize) {
          await flush(contacts, errors, rows, failed);
          contacts = [];
          errors = [];
          rows = 0;
          failed = 0;
        }
      }
      await flush(contacts, errors, rows, failed);
      await inflight;
    } catch (err) {
      await Promise.resolve(inflight).catch(() => {});
      const failure = isAppError(err) ? err.message : 'the upload was interrupted or could not be read';
      await withTenant(pool, tenantId, (tx) => imports.finishImport(tx, tenantId, importId, { status: 'FAILED', failure }));
      if (isAppError(err)) {
        throw new AppError(err.code, err.message, { fields: err.fields, details: { ...err.details, importId }, cause: err });
      }
      throw err;
    }
    const done = await withTenant(pool, tenantId, (tx) => imports.finishImport(tx, tenantId, importId, { status: 'COMPLETED' }));
    if (!done) throw notFound('contact import');
    return toContactImport(done);
  }

  return {
    run,
    async get(tenantId: string, id: string): Promise<ContactImport> {
      const row = await withTenant(pool, tenantId, (tx) => imports.getImport(tx, tenantId, id));
      if (!row) throw notFound('contact import');
      return toContactImport(row);
    },
    async list(tenantId: string, page: { limit: number; after?: { ts: string; id: string } }) {
      const rows = await withTenant(pool, tenantId, (tx) => imports.listImports(tx, tenantId, { ...page, limit: page.limit + 1 }));
      const items = rows.slice(0, page.limit).map((r) => {
        const { errors: _errors, ...rest } = toContactImport({ ...r, errors: [] });
        return rest;
      });
      const last = rows.length > page.limit ? rows[page.limit - 1] : undefined;
      return { items, next: last ? { ts: last.cursor_ts, id: last.id } : null };
    },
  };
}

export type ContactImporter = ReturnType<typeof makeContactImporter>;
